"""The test suite needs only what each test tests: engine, storage and web tests run without a browser."""
from __future__ import annotations

import os
import subprocess
import sys

from support import ROOT

WITHOUT_PLAYWRIGHT = ("import sys; sys.modules['playwright'] = None; import pytest; "
                      "sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', *sys.argv[1:]]))")


def test_engine_storage_and_web_tests_run_without_playwright():
    tests = ["tests/test_values.py", "tests/test_storage.py", "tests/test_web.py"]
    result = subprocess.run([sys.executable, "-c", WITHOUT_PLAYWRIGHT, *tests], cwd=ROOT, capture_output=True,
                            text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:]
