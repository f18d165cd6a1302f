"""Run a local Sagebox from Python.

    with sagebox.Server() as server:      # starts `sagebox serve` on a free port with a temporary data dir
        ...                               # os.environ now holds what `sagebox env` prints: boto3 and the SDK use it

The pytest plugin (loaded automatically once this package is installed) gives tests the same as the `sagebox`
fixture. `fast_polling` shortens the SageMaker SDK's fixed waits for jobs that run against Sagebox.
"""

from .server import Server, SageboxError, find_binary
from . import fast_polling

__all__ = ["Server", "SageboxError", "find_binary", "fast_polling"]
__version__ = "0.2.0"
