"""DEMO ONLY: the demo's signing keys, made on first run so that no key ships with the demo.

In order:
- ``DEMO_KEYS``: a JSON list of ``DJWTO_KEYS`` entries, e.g.
  ``[{"algorithm": "ES256", "file": "/path/new.pem"}, {"algorithm": "HS256", "key": "..."}]``
  (the first signs, all verify: how the tests rotate keys);
- ``DJWTO_SIGNING_KEY``: one HS256 secret, the way djwto 0.0.4 was configured;
- otherwise a key of ``DEMO_ALGORITHM`` (default ES256) generated once into
  ``DEMO_KEYS_DIR`` (default ``demo/.keys/``, git-ignored, mode 0600) and reused afterwards.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def demo_keys(base_dir: Path) -> list[dict[str, Any]]:
    if os.environ.get("DEMO_KEYS"):
        return json.loads(os.environ["DEMO_KEYS"])
    if os.environ.get("DJWTO_SIGNING_KEY"):
        return [{"algorithm": "HS256", "key": os.environ["DJWTO_SIGNING_KEY"]}]
    algorithm = os.environ.get("DEMO_ALGORITHM", "ES256")
    directory = Path(os.environ.get("DEMO_KEYS_DIR") or base_dir / ".keys")
    path = directory / f"{algorithm}.key"
    if not path.exists():
        _generate(algorithm, path)
    return [{"algorithm": algorithm, "file": str(path)}]


def _generate(algorithm: str, path: Path) -> None:
    """Write a new key to ``path`` unless another process (a gunicorn worker) just did."""
    from djwto.keys import generate_key

    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(generate_key(algorithm, 2048).private_text)
        os.link(temporary, path)  # atomic; the first process to get here wins
    except FileExistsError:
        pass
    finally:
        os.unlink(temporary)
