"""The scoring of related documents before issue 29 (``enrich.related._related``
as of 41e33a0): each document walked its own query's postings.  Kept to hold
the grouped walk (documents with the same query walk it once: the copies of
one text at 5x) to the same result, tests/test_enrich_related.py."""
from __future__ import annotations

import heapq

SAME_REGION, SIMILAR = "同一地区", "内容相近"


def chain(n) -> set[str]:
    if n.region is None or n.region.is_national:
        return set()
    return {c for _, c in n.region.chain} or {n.region.code}


def related(notices, vecs, k, max_query):
    """The old ``_related``, unchanged but for the names."""
    n = len(notices)
    index: dict[str, list[tuple[int, float]]] = {}
    for i, v in enumerate(vecs):
        for t, w in v.items():
            index.setdefault(t, []).append((i, w))
    limit = max(2, min(n // 2, 50 + n // 20))
    chains = [chain(x) for x in notices]
    by_code: dict[str, list[int]] = {}
    by_anc: dict[str, list[int]] = {}
    for i, x in enumerate(notices):
        if chains[i]:
            by_code.setdefault(x.region.code, []).append(i)
            for code in chains[i]:
                by_anc.setdefault(code, []).append(i)
    out = {}
    for i, a in enumerate(notices):
        scores: dict[int, float] = {}
        query = heapq.nlargest(max_query, vecs[i].items(), key=lambda kv: kv[1])
        for t, w in query:
            post = index[t]
            if len(post) > limit:
                continue
            for j, wj in post:
                if j != i:
                    scores[j] = scores.get(j, 0.0) + w * wj
        result = []
        taken = {i}
        if chains[i]:
            cands = set(by_anc.get(a.region.code, ()))
            for code in chains[i]:
                cands.update(by_code.get(code, ()))
            cands.discard(i)
            ranked = heapq.nsmallest(k, cands, key=lambda j: (-scores.get(j, 0.0), notices[j].id))
            for j in ranked:
                result.append((notices[j].id, round(scores.get(j, 0.0), 4), SAME_REGION))
                taken.add(j)
        best = heapq.nlargest(k + len(taken), scores.items(), key=lambda kv: kv[1])
        similar = [j for j, _ in best if j not in taken][:k]
        for j in similar:
            if scores[j] > 0:
                result.append((notices[j].id, round(scores[j], 4), SIMILAR))
        out[a.id] = result
    return out
