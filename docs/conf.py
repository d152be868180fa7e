"""Sphinx configuration of djwto's documentation (``make docs``; warnings are errors there).

Pages are Markdown (myst-parser). The settings reference and the checks table are generated
from the code at build time by ``_ext/djwto_docs.py``, so they are never written twice.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path[:0] = [str(ROOT), str(DOCS / "_ext")]

# autodoc imports djwto's modules, which need configured settings: the test suite's.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
import django  # noqa: E402

django.setup()

import djwto  # noqa: E402

project = "djwto"
author = "djwto contributors"
copyright = "djwto contributors"
release = djwto.__version__
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
    "djwto_docs",
]
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence", "deflist"]

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": True}
# Type hints name Django and library classes Sphinx has no inventory for; they stay text.
suppress_warnings = ["myst.header"]

html_theme = "furo"
html_title = f"djwto {release}"
