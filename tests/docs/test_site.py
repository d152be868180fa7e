"""The documentation site builds with warnings as errors (as ``make docs`` does), its references
are rendered from the code, and every page, the colleagues' new ones included, is in the index."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path

import pytest

import djwto.checks
from djwto import conf

from .blocks import DOCS, REPO

sys.path.insert(0, str(DOCS / "_ext"))
from djwto_docs import check_rows, literal_blocks


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("docs-html")
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-E", "-b", "html",
         str(DOCS), str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    return out


def text_of(page: Path) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", page.read_text())).split())


def test_the_settings_page_is_the_settings_table(site):
    page = text_of(site / "reference" / "settings.html")
    for spec in conf.SETTINGS.values():
        assert spec.setting in page
    assert 'DJWTO_MODE "JSON" str' in page


def test_the_security_page_lists_every_check(site):
    page = text_of(site / "reference" / "security.html")
    ids = re.findall(r"``djwto\.([EW]\d{3})``", djwto.checks.__doc__ or "")
    assert len(ids) >= 20
    for check_id in ids:
        assert f"djwto.{check_id}" in page
    assert [i for i, _ in check_rows(djwto.checks.__doc__ or "")] == ids


def test_every_page_is_in_the_navigation(site):
    index = (site / "index.html").read_text()
    for page in DOCS.rglob("*.md"):
        name = page.relative_to(DOCS).with_suffix(".html").as_posix()
        if "_build" in name or name == "index.html":
            continue
        assert f'href="{name}"' in index, f"{name} is in no toctree"


def test_the_api_reference_documents_the_public_names(site):
    page = (site / "reference" / "api.html").read_text()
    names = [name for name in djwto.__all__ if not name.startswith("_")]
    assert len(names) >= 10
    for name in names:
        assert f'id="{getattr(djwto, name).__module__}.{name}"' in page, name
    assert 'id="djwto.claims.Claims.get_custom_claims"' in page


def test_the_changelog_and_the_policy_pages_are_the_files(site):
    assert "Keep a Changelog" in text_of(site / "project" / "changelog.html")
    assert "security advisory" in text_of(site / "project" / "security-policy.html")


def test_docstring_code_blocks_become_literal_blocks():
    lines = ["Summary.", "", "    code = 1", "    more()", "", "Text:", "- item", "  more"]
    assert literal_blocks(lines) == [
        "Summary.", "", "::", "", "    code = 1", "    more()", "", "Text:", "", "- item", "  more",
    ]  # fmt: skip


def test_the_readmes_links_point_at_files_of_the_repository():
    readme = (REPO / "README.md").read_text()
    links = re.findall(r"\]\(([^)#]+)\)", readme)
    local = [link for link in links if "://" not in link]
    assert len(local) >= 15
    for link in local:
        assert (REPO / link).exists(), link
