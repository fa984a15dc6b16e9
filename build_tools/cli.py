"""``iparchive``: the command line of the archive.

Subcommands: parse, add, check, build, index, search, serve.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _root(args) -> Path:
    return Path(getattr(args, "root", None) or ROOT)


def _print_problems(problems, stream=sys.stderr) -> None:
    for p in problems:
        print(str(p), file=stream)


# ------------------------------------------------------------------ parse

def cmd_parse(args) -> int:
    from .pipeline import load_documents

    res = load_documents([Path(f) for f in args.files], structure=not args.no_clauses)
    _print_problems(res.problems)
    by_file = {n.source_file: n for n in res.notices}
    for f in args.files:
        n = by_file.get(Path(f).name)
        if n is None:
            continue
        if args.json:
            d = n.to_dict() if not args.no_clauses else {**n.metadata_dict(), "body": n.body}
            print(json.dumps(d, ensure_ascii=False))
        else:
            _print_record(n)
    return 1 if res.errors else 0


def _print_record(n) -> None:
    from .doctypes import MISSING_LABELS
    from .metadata import missing_fields

    def basis(field):
        b = n.basis.get(field)
        return f"  [{ {'inferred': '推定', 'sidecar': '人工核定', 'filename': '据文件名'}.get(b, '')}]" if b in {"inferred", "sidecar", "filename"} else ""

    print(f"== {n.source_file}  ({n.format}, {n.encoding})")
    print(f"id        {n.id}{'  [自动生成，未保存]' if n.basis.get('id') == 'auto' else ''}")
    print(f"标题      {n.title or '（缺）'}{basis('title')}")
    print(f"发文机关  {'、'.join(n.issuer) or '（缺）'}{basis('issuer')}")
    print(f"发文字号  {n.doc_number or '—'}")
    print(f"成文日期  {n.date_written or '—'}{basis('date_written')}")
    print(f"发布日期  {n.date_published or '—'}")
    print(f"年份      {n.year or '（缺）'}{basis('year')}")
    print(f"地区      {' → '.join(f'{a} {c}' for a, c in n.region.chain) if n.region else '（缺）'}{basis('region')}")
    print(f"类型      {n.doc_type or '（缺）'}   状态 {n.status}")
    if n.forwarded:
        print(f"{n.forwarded.action}      《{n.forwarded.title}》（{n.forwarded.doc_type or '?'}，由{n.forwarded.wrapper_type or '?'}{n.forwarded.action}）")
    if n.source_url:
        print(f"来源网址  {n.source_url}")
    for s in n.stripped:
        print(f"已去除    第{s.line}行 [{s.reason}] {s.text[:60]}")
    miss = missing_fields(n)
    if miss:
        print(f"待补充    {'、'.join(MISSING_LABELS[m] for m in miss)}")
    if n.clauses:
        print(f"条款      {sum(1 for _ in n.walk())} 个")
    print("---- 正文 ----")
    print(n.body)
    print()


# -------------------------------------------------------------------- add

def cmd_add(args) -> int:
    from .doctypes import MISSING_LABELS
    from .metadata import load_notice, missing_fields
    from .read import ReadError
    from .sidecar import dump_sidecar

    src_dir = _root(args) / "source_texts"
    src = Path(args.file)
    dest = src_dir / src.name
    side = dest.with_suffix(".yml")
    if side.exists():
        print(f"{side}: 已存在 sidecar（id 不可更改），未做任何修改", file=sys.stderr)
        return 1
    if dest.exists() and dest.resolve() != src.resolve() and dest.read_bytes() != src.read_bytes():
        print(f"{dest}: 已存在同名但内容不同的文件，请改名后再添加", file=sys.stderr)
        return 1
    try:
        notice = load_notice(src, use_sidecar=False)
    except ReadError as e:
        print(str(e), file=sys.stderr)
        return 1
    from .pipeline import load_documents, source_files

    others = [f for f in source_files(src_dir) if f.resolve() != dest.resolve()]
    taken = {n.id for n in load_documents(others, structure=False).notices}
    base, k = notice.id, 2
    while notice.id in taken:
        notice.id = f"{base}-{k}"
        k += 1
    src_dir.mkdir(parents=True, exist_ok=True)
    if dest.resolve() != src.resolve():
        shutil.copyfile(src, dest)
    notice.source_file = dest.name
    miss = missing_fields(notice)
    side.write_text(dump_sidecar(notice, miss), encoding="utf-8")
    print(f"已添加 {dest}（id: {notice.id}），元数据写入 {side}")
    inferred = [k for k, b in notice.basis.items() if b == "inferred"]
    if miss:
        print("需要人工补充：" + "、".join(MISSING_LABELS[m] for m in miss))
    if inferred:
        print("自动推定、请核对：" + "、".join(inferred))
    if not miss and not inferred:
        print("所有字段均已从原文取得。")
    return 0


# ------------------------------------------------------------------ check

def cmd_check(args) -> int:
    from .pipeline import check_archive

    problems = check_archive(_root(args))
    _print_problems(problems, sys.stdout)
    errors = sum(1 for p in problems if p.level == "error")
    warnings = len(problems) - errors
    print(f"检查完毕：{errors} 个错误，{warnings} 个警告")
    return 1 if errors else 0


# ------------------------------------------------------------------ build

def cmd_build(args) -> int:
    from .pipeline import build_site

    rep = build_site(_root(args), progress=not args.quiet)
    if not rep.ok:
        return 2
    return 1 if any(p.level == "error" for p in rep.problems) else 0


def cmd_serve(args) -> int:
    """Serve site/ on localhost only (a downloaded copy of a large archive searches this way)."""
    import functools
    import http.server

    site = Path(args.site).resolve() if args.site else _root(args) / "site"
    if not (site / "index.html").exists():
        hint = "不是已构建的文库网站（缺少 index.html）" if args.site else "网站尚未构建，请先运行 make site"
        print(f"{site}: {hint}", file=sys.stderr)
        return 1
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    with http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler) as httpd:
        print(f"文库已在 http://127.0.0.1:{httpd.server_address[1]}/ 提供（仅本机可访问），Ctrl-C 结束", flush=True)
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0


def search_unavailable(reason: str) -> int:
    """``iparchive search`` when the search package cannot be imported: say so, exit 2."""
    print(f"iparchive search 无法使用：检索模块 search/ 加载失败（{reason}）。"
          "请检查安装（make site 会安装依赖）或 search/ 下的改动。", file=sys.stderr)
    return 2


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="iparchive", description="知识产权政策文库：读取、检查、构建与检索")
    ap.add_argument("--root", help="项目根目录（默认为本仓库）")
    sub = ap.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("parse", help="解析原始文件，输出元数据与规范化正文")
    p.add_argument("files", nargs="+")
    p.add_argument("--json", action="store_true", help="每个文件输出一行 JSON")
    p.add_argument("--no-clauses", action="store_true", help="不切分条款")
    p.set_defaults(func=cmd_parse)

    p = sub.add_parser("add", help="把新文件加入 source_texts/，分配永久 id 并写 sidecar")
    p.add_argument("file")
    p.set_defaults(func=cmd_add)

    p = sub.add_parser("check", help="检查所有原始文件与 sidecar")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("build", help="构建整个网站与检索索引")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("serve", help="在本机 127.0.0.1 上提供已构建的网站")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--site", help="要提供的网站目录（如下载的文库副本；默认为本项目的 site/）")
    p.set_defaults(func=cmd_serve)

    try:
        # imported here so that a broken search package leaves the other commands working
        from search import cli as search_cli

        search_cli.add_parser(sub)
    except Exception as e:  # any failure (ImportError, SyntaxError, a missing add_parser)
        broken = f"{type(e).__name__}: {e}"
        p = sub.add_parser("search", help="检索条款（检索模块无法加载，运行时报告原因）", add_help=False)
        p.add_argument("rest", nargs=argparse.REMAINDER)
        p.set_defaults(func=lambda args: search_unavailable(broken))

    args = ap.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
