/// The dashboard's only stylesheet and script, compiled into the binary (no CDN, no files beside it).
enum Assets {
    static let stylesheet = """
        :root { --fg: #1d2330; --muted: #5f6b7a; --line: #dde2e8; --bg: #f6f8fa; --accent: #1f6feb;
          --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --run: #0969da; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: #fff; }
        header { display: flex; gap: 24px; align-items: center; padding: 10px 24px; background: #24292f; }
        header a { color: #d0d7de; text-decoration: none; }
        header a.brand { color: #fff; font-weight: 600; font-size: 16px; }
        header nav a { margin-right: 16px; }
        header nav a.active { color: #fff; border-bottom: 2px solid #fff; }
        main { padding: 16px 24px 48px; max-width: 1400px; }
        h1 { font-size: 20px; margin: 8px 0 16px; word-break: break-all; }
        h2 { font-size: 16px; margin: 28px 0 8px; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { background: var(--bg); font-weight: 600; color: var(--muted); }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        a { color: var(--accent); }
        .status { font-weight: 600; }
        .status-Completed { color: var(--ok); }
        .status-Failed { color: var(--bad); }
        .status-Stopped, .status-Stopping, .status-Interrupted, .status-MaxRuntimeExceeded, .status-MaxWaitTimeExceeded { color: var(--warn); }
        .status-InProgress, .status-Training, .status-Starting, .status-Downloading, .status-Uploading { color: var(--run); }
        .muted { color: var(--muted); }
        .facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
        .facts dt { color: var(--muted); }
        .facts dd { margin: 0; word-break: break-all; }
        .failure { background: #ffebe9; border: 1px solid #ffcecb; padding: 8px 12px; white-space: pre-wrap; }
        pre.log { background: #0d1117; color: #e6edf3; padding: 12px; max-height: 480px; overflow: auto;
          font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; white-space: pre-wrap; word-break: break-all; }
        pre.log .host { color: #7d8590; }
        .charts { display: flex; flex-wrap: wrap; gap: 16px; }
        figure.chart { margin: 0; border: 1px solid var(--line); padding: 8px; }
        figure.chart figcaption { font-weight: 600; margin-bottom: 4px; }
        .breadcrumbs { margin-bottom: 12px; }
        """

    /// Progressive enhancement only: every page is complete without it. The log tail polls for new lines every
    /// half second while the job runs (polling, not server-sent events: no connection held open per viewer, and it
    /// survives a server restart); the jobs list refreshes itself while a job is running.
    static let script = """
        (function () {
          "use strict";
          var log = document.getElementById("log");
          if (log && log.dataset.live === "true") {
            var after = log.dataset.after || "0";
            var tick = function () {
              fetch(log.dataset.tail + "?after=" + encodeURIComponent(after), { cache: "no-store" })
                .then(function (r) { return r.json(); })
                .then(function (page) {
                  var atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
                  page.events.forEach(function (e) {
                    var line = document.createElement("span");
                    line.className = "line";
                    line.textContent = e.message + "\\n";
                    log.appendChild(line);
                  });
                  after = page.after;
                  log.dataset.after = after;
                  if (atBottom) { log.scrollTop = log.scrollHeight; }
                  // The job ended: reload once for its final status, timeline and charts.
                  if (!page.live) { window.location.reload(); return; }
                  setTimeout(tick, 500);
                })
                .catch(function () { setTimeout(tick, 2000); });
            };
            setTimeout(tick, 500);
          }
          var jobs = document.getElementById("jobs");
          if (jobs && jobs.dataset.live === "true") {
            setInterval(function () {
              fetch(window.location.href, { cache: "no-store" })
                .then(function (r) { return r.text(); })
                .then(function (html) {
                  var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("jobs");
                  if (fresh) { jobs.replaceWith(fresh); jobs = fresh; }
                });
            }, 2000);
          }
        })();
        """
}
