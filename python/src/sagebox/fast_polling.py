"""Shortens the SageMaker Python SDK's fixed client-side waits, for jobs that run against Sagebox only.

`Estimator.fit()` waits through `sagemaker.session`: `_wait_until` sleeps 5 s before its first DescribeTrainingJob,
the log tailer (`logs_for_job`) sleeps 10 s between polls and describes the job only every 30 s, then sleeps 10 s
more once it has seen the end; `wait_for_job` (`logs=False`) polls every 5 s. Against AWS, where a job takes minutes
to start, that is noise. Against Sagebox a trivial job ends in well under a second, yet `fit()` takes 5 s more than
the job, and a job that ends after the first 5 s is noticed only at the next 30 s describe, 10 s later still: up to
about 40 s after it ended. With fast polling those waits last `interval` seconds.

How: while one of the SDK's wait methods runs for a session whose SageMaker endpoint is a registered Sagebox
endpoint, `sagemaker.session`'s `time` module is replaced (for that thread only) by a clock whose `sleep(n)`
sleeps `interval` and moves the clock's `time()` forward by the rest of `n`. The SDK's loop then runs exactly as
it would against AWS, every step in the same order, only with shorter real pauses. Sessions for any other endpoint,
and other threads, see the real `time` module. With an explicit `timeout=` the clock is left alone (the timeout
keeps meaning wall time) and only the sleeps are shortened.
"""

from __future__ import annotations

import functools
import inspect
import threading
import time as _time

DEFAULT_INTERVAL = 0.1

# The Session methods that wait on a job. Each runs the SDK's own loop; only its clock is changed.
WAIT_METHODS = ("logs_for_job", "wait_for_job", "logs_for_processing_job", "wait_for_processing_job")

_lock = threading.Lock()
_endpoints: dict[str, float] = {}  # normalised endpoint URL -> interval
_originals: dict[str, object] = {}
_thread = threading.local()


class _Clock:
    """Stands in for the `time` module inside `sagemaker.session`; real time unless this thread is in a fast wait."""

    def sleep(self, seconds):
        interval = getattr(_thread, "interval", None)
        if interval is None or seconds <= interval:
            return _time.sleep(seconds)
        _time.sleep(interval)
        if _thread.advance_clock:
            _thread.offset += seconds - interval

    def time(self):
        return _time.time() + (getattr(_thread, "offset", 0.0) if getattr(_thread, "interval", None) is not None else 0.0)

    def __getattr__(self, name):
        return getattr(_time, name)


def _normalise(endpoint: str) -> str:
    return endpoint.rstrip("/").lower()


def _interval_for(session) -> float | None:
    try:
        endpoint = session.sagemaker_client.meta.endpoint_url
    except AttributeError:
        return None
    return _endpoints.get(_normalise(endpoint or ""))


def _fast(method):
    signature = inspect.signature(method)

    @functools.wraps(method)
    def wait(self, *args, **kwargs):
        interval = _interval_for(self)
        if interval is None or getattr(_thread, "interval", None) is not None:
            return method(self, *args, **kwargs)
        bound = signature.bind_partial(self, *args, **kwargs)
        _thread.interval = interval
        _thread.offset = 0.0
        _thread.advance_clock = bound.arguments.get("timeout") is None
        try:
            return method(self, *args, **kwargs)
        finally:
            _thread.interval = None
            _thread.offset = 0.0

    wait.__sagebox_original__ = method
    return wait


def install(endpoint: str, interval: float = DEFAULT_INTERVAL) -> bool:
    """Makes the SDK's waits short for sessions whose SageMaker endpoint is `endpoint`. False when the SageMaker
    Python SDK (v2) is not importable; nothing is changed then."""
    try:
        import sagemaker.session as session_module
    except ImportError:
        return False
    with _lock:
        _endpoints[_normalise(endpoint)] = interval
        if not _originals:
            _originals["time"] = session_module.time
            session_module.time = _Clock()
            for name in WAIT_METHODS:
                original = getattr(session_module.Session, name, None)
                if original is not None:
                    _originals[name] = original
                    setattr(session_module.Session, name, _fast(original))
    return True


def uninstall(endpoint: str | None = None) -> None:
    """Forgets `endpoint` (all endpoints when None); the SDK is restored once none is left."""
    with _lock:
        if endpoint is None:
            _endpoints.clear()
        else:
            _endpoints.pop(_normalise(endpoint), None)
        if _endpoints or not _originals:
            return
        import sagemaker.session as session_module
        session_module.time = _originals.pop("time")
        for name, original in list(_originals.items()):
            setattr(session_module.Session, name, original)
        _originals.clear()
