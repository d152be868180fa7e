"""Every Python and shell block of the documentation and the README runs, page by page (the
conventions: blocks.py and CONTRIBUTING.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from .blocks import REPO, BlockError, PageRun, blocks, doc_pages


@pytest.mark.parametrize("page", doc_pages(), ids=lambda p: str(p.relative_to(REPO)))
def test_the_pages_blocks_run(page: Path, db, tmp_path):
    PageRun(page, tmp_path).run()


def test_the_pages_have_blocks_to_run():
    kinds = [b.kind for page in doc_pages() for b in blocks(page) if "norun" not in b.options]
    assert kinds.count("python") >= 15 and kinds.count("shell") >= 4


# --- the runner itself fails where a reader would -------------------------------------------


def page(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "page.md"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "text, message",
    [
        ("```ruby\nputs 1\n```\n", "no runner for a ```ruby block"),
        ("```\nwhat is this\n```\n", "no runner for a ```(no language) block"),
        ("Text\n\n    indented = 'code'\n", "no runner"),
        ('```shell norun=""\nmake demo\n```\n', "norun needs its reason"),
        ("```python\nassert 1 + 1 == 3\n```\n", "page.md:1: AssertionError"),
        ("```shell\nfalse\n```\n", "the shell block exited 1"),
        ("```python settings\nDJWTO_MDOE = 'JSON'\n```\n", "djwto.W008"),
        ("```python settings\nINSTALLED_APPS = ['djwto', 'no_such_app']\n```\n", "no_such_app"),
        ("```python file=x.py append\nx = 1\n```\n", "does not exist"),
    ],
)
def test_a_block_that_cannot_run_fails_the_page(db, tmp_path, text, message):
    with pytest.raises(BlockError, match=message.replace("(", r"\(").replace(")", r"\)")):
        PageRun(page(tmp_path, text), tmp_path).run()


def test_blocks_share_the_namespace_files_settings_and_the_shell_session(db, tmp_path):
    text = """
```python file=shop/views.py
GREETING = "hello"
```

```python settings
DJWTO_MODE = "ONE-COOKIE"
```

```python
from django.conf import settings

from shop.views import GREETING

seen = (GREETING, settings.DJWTO_MODE)
```

```shell
export COLOUR=blue
mkdir sub && cd sub
```

```shell
test "$COLOUR" = blue && test "$(basename "$PWD")" = sub
python ../manage.py migrate --verbosity 0 && python ../manage.py check
```

```shell norun="serves until stopped"
python manage.py runserver
```
"""
    run = PageRun(page(tmp_path, text), tmp_path)
    run.run()
    assert run.namespace["seen"] == ("hello", "ONE-COOKIE")
    assert run.cwd.name == "sub" and [b.line for b in run.skipped] == [28]
    from django.conf import settings

    assert getattr(settings, "DJWTO_MODE", "JSON") == "JSON"  # the page's settings ended
    assert get_user_model().objects.count() == 0
