"""numerals without cn2an (issue 29: its import cost every one-document rebuild ~0.3 s of load):
the pure forms must equal cn2an's on every number they cover, and loading the real seeds must not import it."""
import subprocess
import sys

import cn2an
import pytest

from build_tools.numerals import cn_int, int_cn


def test_int_cn_equals_cn2an_below_10000():
    assert [int_cn(n) for n in range(1, 10000)] == [cn2an.an2cn(n) for n in range(1, 10000)]


def test_cn_int_reads_back_every_written_number():
    for n in range(0, 10000):
        text = cn2an.an2cn(n) if n else "零"
        assert cn_int(text) == n == int(cn2an.cn2an(text, "smart")), text


@pytest.mark.parametrize("text", ["一二三", "一十六", "两百", "一百十", "十〇", "一百〇五", "一千〇一十", "２０", "○"])
def test_other_forms_as_before(text):
    try:
        want = int(cn2an.cn2an(text.replace("〇", "零").replace("○", "零").replace("２０", "20"), "smart"))
    except Exception:
        want = None
    got = cn_int(text)
    assert want is None or got == want, (text, got, want)


def test_loading_the_seeds_imports_no_cn2an():
    code = ("import sys; from pathlib import Path; from build_tools.pipeline import load_documents, source_files;"
            "res = load_documents(source_files(Path('source_texts')), workers=1);"
            "assert res.notices and sum(n.n_clauses for n in res.notices) > 100, len(res.notices);"
            "print('cn2an' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stdout + out.stderr
