"""Shared fixtures: paths to the real seed documents and corpora."""
from __future__ import annotations

from pathlib import Path

import pytest

from build_tools.settings import chromium, shared_dir

CHROMIUM = chromium()
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

ROOT = Path(__file__).resolve().parent.parent
SHARED = shared_dir()
SEEDS = ROOT / "source_texts"
GOVCN = SHARED / "corpus" / "govcn2019"
LAWREF = SHARED / "corpus" / "lawrefbook"

SEED_FILES = {
    "000": SEEDS / "000_3ca0ceb9a8207693.txt",  # 云南 知识产权保护 解读
    "001": SEEDS / "001_66fb874b3fbac559.txt",  # 吉林 强省建设实施意见
    "002": SEEDS / "002_f819ad9b31b3e7a6.txt",  # 昆明 强市示范城市工作方案
    "003": SEEDS / "003_cbca3011c27dd6ad.txt",  # 云南 2015 战略行动计划实施意见
    "004": SEEDS / "004_8429dd0dfc029dc1.txt",  # 成都 保护示范区 征求意见稿
}


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def seed_files() -> dict[str, Path]:
    return dict(SEED_FILES)


@pytest.fixture(scope="session")
def govcn_dir() -> Path:
    if not GOVCN.is_dir():
        pytest.fail(f"real corpus missing: {GOVCN}")
    return GOVCN


@pytest.fixture(scope="session")
def lawref_dir() -> Path:
    if not LAWREF.is_dir():
        pytest.fail(f"real corpus missing: {LAWREF}")
    return LAWREF


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole run: Playwright's sync API allows one
    running instance per thread, so every browser test module shares this one."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} missing: run scripts/install-system-deps.sh (installs chromium, fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright  # only browser tests need Playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser):
    """A fresh desktop-sized zh-CN page; ``page.errors`` collects its script errors."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.errors = errors
    yield pg
    ctx.close()
