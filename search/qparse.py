"""A small query parser (Whoosh's syntax and precedence) -> backend-neutral tree.

Used by the tantivy backend, and by both backends to check a query first so
that errors read the same (in Chinese) whichever backend holds the index.
Forms handled (after ``query.fold_query``)::

    惩罚性赔偿                 -> Lit(text, 惩罚性赔偿)
    "三合一 审判"              -> Lit(text, 三合一 审判, quoted)     one phrase
    商业秘密 地理标志           -> And(Lit, Lit)                    implicit AND
    A B OR C                   -> And(A, Or(B, C))      OR binds tighter, as in Whoosh
    A NOT B, A AND NOT B       -> And(A, Not(B));  NOT A -> Not(A)
    A ANDNOT B, A ANDMAYBE B   -> And(A, Not(B)), AndMaybe(A, B)
    (A OR B) C, (A OR B        -> groups; a missing ``)`` is closed at the end
    title:昆明, 标题:"昆明 市"  -> Lit(title, …);  field:(A OR B) applies to the group
    year:2020, year:[2015 TO 2023], year:{2015 TO}, year:[TO 2020]  -> Range
    税*, region:云*            -> Lit(…, prefix);  x^2 -> boost 2
    *  or  *:*                 -> Every()
    foo:bar (unknown field)    -> Lit(text, foo:bar)   (Whoosh reads it as text too)

Raises ``SearchError`` with a Chinese message for a bad year or range, and
for a query past its bounds (issue 28: 300 nested parentheses, 5,000 × NOT
or 2,000 × ``a AND (`` hit Python's recursion limit; a 5,000-word phrase
took 40–53 s): at most ``MAX_QUERY_CHARS`` characters, ``MAX_TOKENS``
tokens, ``MAX_DEPTH`` levels of parentheses and NOT, ``MAX_PHRASE_TERMS``
terms in one phrase or word, ``MAX_PHRASE_PREFIXES`` space-cut Han words in a phrase.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional, Union

from . import tokenizer as tk
from .schema import GRAM_FIELDS, SearchError, field_names

OPS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}
MAX_QUERY_CHARS = 1000  # a pasted clause of the archive is rarely over 300
MAX_TOKENS = 200
MAX_DEPTH = 20
MAX_PHRASE_TERMS = 200
# a Han word cut by a space inside quotes ends in a prefix term (``权*``), which the index expands:
# "专利权 专利权 …" cost ~0.3 s per word on the 11-document archive (a 5,000-word phrase: 40–53 s)
MAX_PHRASE_PREFIXES = 8


@dataclass
class Lit:
    field: str
    value: str
    quoted: bool = False
    prefix: bool = False
    boost: float = 1.0

    def tokens(self) -> tuple[str, ...]:
        """Gram-field query tokens (tokenizer.query_grams); ``X*`` = prefix."""
        toks = [g[0] for g in tk.query_grams(self.value)]
        if self.prefix and toks and not toks[-1].endswith(tk.PREFIX):
            last = tk.slots(self.value)[-1]
            if last[3] == tk.WORD:  # 2025* -> prefix of the letters/digits run
                toks[-1] += tk.PREFIX
        return tuple(toks)

    def __str__(self):
        v = f'"{self.value}"' if self.quoted else self.value
        return f"{self.field}:{v}{'*' if self.prefix else ''}"


@dataclass
class Range:
    field: str
    lo: Optional[int]
    hi: Optional[int]
    boost: float = 1.0

    def __str__(self):
        return f"{self.field}:[{self.lo if self.lo is not None else ''} TO {self.hi if self.hi is not None else ''}]"


@dataclass
class Every:
    def __str__(self):
        return "*"


@dataclass
class Not:
    item: "Node"

    def __str__(self):
        return f"NOT {self.item}"


@dataclass
class And:
    items: list = field(default_factory=list)

    def __str__(self):
        return "(" + " AND ".join(map(str, self.items)) + ")"


@dataclass
class Or:
    items: list = field(default_factory=list)

    def __str__(self):
        return "(" + " OR ".join(map(str, self.items)) + ")"


@dataclass
class AndMaybe:
    a: "Node"
    b: "Node"

    def __str__(self):
        return f"({self.a} ANDMAYBE {self.b})"


Node = Union[Lit, Range, Every, Not, And, Or, AndMaybe]


def _error(q: str, detail: str) -> SearchError:
    return SearchError(f"无法解析检索式“{q}”：{detail}")


_FIELD_RE = re.compile(r"([^\s():\"]+):")


def lex(text: str) -> list[tuple[str, str]]:
    """Tokens: ("(",) (")",) ("OP", AND) ("FIELD", f) ("PHRASE", s) ("RANGE", s) ("WORD", s)."""
    names = field_names()
    out: list[tuple[str, str]] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c in "()":
            out.append((c, c))
            i += 1
        elif c == '"':
            j = text.find('"', i + 1)
            j = n if j < 0 else j
            out.append(("PHRASE", text[i + 1 : j]))
            i = j + 1
        else:
            m = _FIELD_RE.match(text, i)
            if m and m.group(1) in names:
                out.append(("FIELD", names[m.group(1)]))
                i = m.end()
                if i < n and text[i] in "[{":
                    close = "]" if text[i] == "[" else "}"
                    j = text.find(close, i)
                    j = n - 1 if j < 0 else j
                    out.append(("RANGE", text[i : j + 1]))
                    i = j + 1
                continue
            j = i
            while j < n and not text[j].isspace() and text[j] not in '()"':
                j += 1
            w = text[i:j]
            out.append(("OP", w) if w in OPS else ("WORD", w))
            i = j
    return out


_BOOST_RE = re.compile(r"^(.*?)\^(\d+(?:\.\d+)?)$")
_RANGE_RE = re.compile(r"^[\[{]\s*(\S*)\s+TO\s*(\S*)\s*[\]}]$|^[\[{]\s*TO\s+(\S*)\s*[\]}]$")


def _year(q: str, v: str) -> Optional[int]:
    v = v.strip()
    if not v:
        return None
    if not re.fullmatch(r"\d{1,4}", v):
        raise _error(q, f"年份应为数字：{v}")
    return int(v)


class _Parser:
    def __init__(self, q: str, toks: list[tuple[str, str]]):
        self.q, self.toks, self.i = q, toks, 0

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self):
        t = self.peek()
        self.i += 1
        return t

    def parse_and(self, depth: int, fld: str) -> Node:
        items: list[Node] = []
        while True:
            t = self.peek()
            if t is None:
                break
            if t[0] == ")":
                if depth:
                    break
                self.take()  # stray ")"
                continue
            if t == ("OP", "AND"):
                self.take()
                continue
            if t in (("OP", "ANDNOT"), ("OP", "ANDMAYBE")):
                self.take()
                right = self.parse_or(depth, fld)
                if t[1] == "ANDNOT":
                    items.append(Not(right))
                else:
                    items = [AndMaybe(_and(items), right)]
                continue
            if t[0] == "OP" and t[1] == "OR":  # a dangling OR
                self.take()
                continue
            items.append(self.parse_or(depth, fld))
        return _and(items)

    def parse_or(self, depth: int, fld: str) -> Node:
        items = [self.parse_unary(depth, fld)]
        while self.peek() == ("OP", "OR"):
            self.take()
            if self.peek() is None or self.peek()[0] == ")":
                break
            items.append(self.parse_unary(depth, fld))
        return items[0] if len(items) == 1 else Or(items)

    def parse_unary(self, depth: int, fld: str) -> Node:
        if self.peek() == ("OP", "NOT"):
            self.take()
            return Not(self.parse_unary(depth, fld))
        return self.parse_atom(depth, fld)

    def parse_atom(self, depth: int, fld: str) -> Node:
        t = self.take()
        kind, val = t
        if kind == "(":
            node = self.parse_and(depth + 1, fld)
            if self.peek() is not None and self.peek()[0] == ")":
                self.take()
            return node
        if kind == "FIELD":
            if self.peek() is None:
                return And([])
            return self.parse_atom(depth, val)
        if kind == "RANGE":
            return self.range(fld, val)
        if kind == "PHRASE":
            return self.lit(fld, val, quoted=True)
        if kind in ("WORD", "OP"):  # an operator word in a field position
            return self.lit(fld, val)
        return And([])

    def range(self, fld: str, val: str) -> Node:
        m = _RANGE_RE.match(val)
        if not m:
            raise _error(self.q, f"范围应写作 [2015 TO 2023]：{val}")
        if fld != "year":
            raise _error(self.q, f"只有年份可以写范围：{val}")
        lo_s, hi_s = (m.group(1), m.group(2)) if m.group(3) is None else ("", m.group(3))
        lo, hi = _year(self.q, lo_s), _year(self.q, hi_s)
        if val.startswith("{") and lo is not None:
            lo += 1
        if val.endswith("}") and hi is not None:
            hi -= 1
        return Range("year", lo, hi)

    def lit(self, fld: str, val: str, quoted: bool = False) -> Node:
        boost = 1.0
        m = _BOOST_RE.match(val) if not quoted else None
        if m and m.group(1):
            val, boost = m.group(1), float(m.group(2))
        if fld == "year":
            if val in ("*",):
                return Every()
            y = _year(self.q, val)
            return Range("year", y, y, boost)
        prefix = not quoted and val.endswith("*") and len(val.rstrip("*")) > 0
        if fld in GRAM_FIELDS:
            grams = tk.query_grams(val)
            if len(grams) > MAX_PHRASE_TERMS:
                raise _error(_shown(self.q), f"一个词或短语中的字词过多（上限 {MAX_PHRASE_TERMS} 个）：请缩短后再检索")
            if quoted and sum(1 for g in grams if g[0].endswith(tk.PREFIX)) > MAX_PHRASE_PREFIXES:
                raise _error(_shown(self.q), f"引号内以空格分开的中文词过多（上限 {MAX_PHRASE_PREFIXES + 1} 个）："
                                             "请去掉空格，或拆成几个词分别检索")
        if prefix:
            val = val.rstrip("*")
        return Lit(fld, val, quoted=quoted, prefix=prefix, boost=boost)


def _and(items: list) -> Node:
    return items[0] if len(items) == 1 else And(items)


def parse(q: str, text: str) -> Optional[Node]:
    """The tree of the folded query ``text`` (``q`` as typed, for messages);
    None when nothing searchable is left (``，。、``)."""
    if text in ("*", "*:*"):
        return Every()
    if len(text) > MAX_QUERY_CHARS:
        raise _error(_shown(q), f"检索式过长（{len(text)} 个字符，上限 {MAX_QUERY_CHARS}）：请缩短后再检索")
    toks = lex(text)
    if len(toks) > MAX_TOKENS:
        raise _error(_shown(q), f"检索式的词和运算符过多（{len(toks)} 个，上限 {MAX_TOKENS}）：请拆成几次检索")
    deepest = _nesting(toks)  # parentheses and NOT chains nest the tree (and the parser's recursion)
    if deepest > MAX_DEPTH:
        raise _error(_shown(q), f"括号或 NOT 嵌套过深（{deepest} 层，上限 {MAX_DEPTH}）")
    return simplify(_Parser(q, toks).parse_and(0, "text"))


def _shown(q: str) -> str:
    """The query as a message quotes it: long ones cut."""
    return q if len(q) <= 60 else q[:60] + "……"


def _nesting(toks: list[tuple[str, str]]) -> int:
    """Deepest nesting of the tree: open parentheses plus the NOTs in a row
    that lead into each of them and into the operand."""
    stack: list[int] = []  # the nesting outside each open parenthesis
    level = nots = deepest = 0
    for kind, val in toks:
        if kind == "(":
            stack.append(level)
            level += nots + 1
            nots = 0
        elif kind == ")":
            level = stack.pop() if stack else 0
            nots = 0
        elif (kind, val) == ("OP", "NOT"):
            nots += 1
        elif kind != "FIELD":
            nots = 0
        deepest = max(deepest, level + nots)
    return deepest


def simplify(node: Node) -> Optional[Node]:
    """Drop literals that have no terms (punctuation only) and empty groups."""
    if isinstance(node, Lit):
        if node.field in GRAM_FIELDS:
            return node if node.tokens() else None
        return node if node.value.strip() else None
    if isinstance(node, (Range, Every)):
        return node
    if isinstance(node, Not):
        item = simplify(node.item)
        return Not(item) if item is not None else None
    if isinstance(node, AndMaybe):
        a, b = simplify(node.a), simplify(node.b)
        if a is None:
            return None
        return a if b is None else AndMaybe(a, b)
    items = [x for x in (simplify(i) for i in node.items) if x is not None]
    if not items:
        return None
    if len(items) == 1:
        return items[0]
    return type(node)(items)


def literals(node: Node) -> list[tuple[str, ...]]:
    """Text-field literals to highlight: every text leaf not under NOT."""
    out: list[tuple[str, ...]] = []

    def walk(n):
        if isinstance(n, Not):
            return
        if isinstance(n, Lit):
            if n.field == "text":
                toks = n.tokens()
                if toks and toks not in out:
                    out.append(toks)
            return
        if isinstance(n, AndMaybe):
            walk(n.a)
            walk(n.b)
        elif isinstance(n, (And, Or)):
            for i in n.items:
                walk(i)

    walk(node)
    return out
