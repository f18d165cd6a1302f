/// The frame every dashboard page shares: title, navigation, the stylesheet and the script, all inline so a page
/// needs nothing beyond itself (it works offline, and nothing loads from elsewhere).
enum Layout {
    enum Section { case jobs, buckets }

    static func page(_ title: String, section: Section, _ content: Markup) -> Markup {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(title) · Sagebox</title>
        <style>\(Markup(raw: Assets.stylesheet))</style>
        </head>
        <body>
        <header>
        <a class="brand" href="\(Links.root)">Sagebox</a>
        <nav>
        <a href="\(Links.root)"\(section == .jobs ? Markup(" class=\"active\"") : "")>Training jobs</a>
        <a href="\(Links.buckets)"\(section == .buckets ? Markup(" class=\"active\"") : "")>S3 buckets</a>
        </nav>
        </header>
        <main>
        \(content)
        </main>
        <script>\(Markup(raw: Assets.script))</script>
        </body>
        </html>
        """
    }
}
