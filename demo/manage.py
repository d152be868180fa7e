#!/usr/bin/env python
"""The djwto demo project's command-line utility (``python demo/manage.py ...``)."""

import os
import sys
from pathlib import Path


def main() -> None:
    # Runnable from anywhere: the repo root (for ``djwto``, in case it is not installed) and
    # this folder (for ``djwto_project`` and ``testapp``) go on sys.path.
    here = Path(__file__).resolve().parent
    for path in (here, here.parent):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    # Not setdefault: a DJANGO_SETTINGS_MODULE inherited from the test suite
    # (tests.settings) must not leak into the demo.
    os.environ["DJANGO_SETTINGS_MODULE"] = "djwto_project.settings"
    from django.core.management import execute_from_command_line
    from djwto_project.envsettings import EnvironmentVariableError

    try:
        execute_from_command_line(sys.argv)
    except EnvironmentVariableError as exc:
        # Its message names the variable and says what to do; a traceback would bury it.
        sys.exit(f"djwto demo: {exc}")


if __name__ == "__main__":
    main()
