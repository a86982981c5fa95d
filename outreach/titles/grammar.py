"""Stages 4 to 7: cut the phrase hits into parts and roles, pick a role, resolve its level and
function, and say why (the ``rule`` of the result).

A part with a level word starts a new role; a part without one qualifies the role before it.
The most senior current role wins; its level is its most senior level word (trainee words
win over everything in their role) and its function the strongest function word, nearest the
level word among equals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from outreach.titles.model import PICK_RANK, UNKNOWN, Term, TitleClass
from outreach.titles.phrases import Hit, match_phrases
from outreach.titles.tokens import NOTED, Tok, normalized, tokenize

if TYPE_CHECKING:
    from outreach.titles.vocabulary import Vocabulary

_SENIOR_ENOUGH_TO_ASSIST = frozenset({"owner", "cxo", "vp", "director", "manager"})


@dataclass
class _Part:
    hits: list[Hit] = field(default_factory=list)
    paren: list[Hit] = field(default_factory=list)
    former: bool = False
    assistant_to: str = ""
    to_marks: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def starts_role(self) -> bool:
        """A part with its own level word is a title of its own; others qualify one."""
        return bool(self.assistant_to) or any(
            _effective_level(self, i, h) for i, h in enumerate(self.hits)
        )


def _split_parts(items: list[Hit | Tok], vocab: Vocabulary) -> tuple[list[_Part], list[str]]:
    """Cut the hits into parts at separators and conjunctions; drop "at Company", noise and
    status words; mark former parts; keep parenthesised hits apart (they only break ties).

    A former marker inside parentheses covers only what follows it there: "VP Marketing
    (ex-Google)" is a current VP whose past is in the aside."""
    parts: list[_Part] = [_Part()]
    notes: list[str] = []
    depth = 0
    skipping = False  # inside "at Company"
    paren_former = 0  # depth of a parenthesis opened by "ex"/"former": skipped to its end
    for item in items:
        if isinstance(item, Tok):
            kind = item.kind
            if kind == "sep" and item.text == "|":
                skipping = False
            if skipping:
                continue
            if kind == "open":
                depth += 1
            elif kind == "close":
                depth = max(0, depth - 1)
                if depth < paren_former:
                    paren_former = 0
            elif paren_former:
                continue
            elif kind in ("sep", "conj") and depth == 0:
                parts.append(_Part())
            elif kind == "at":
                skipping = True
                notes.append("dropped the company after '@'")
            continue
        term = item.term
        if skipping or paren_former:
            continue
        if term.former and depth:  # "(ex-Google)": an aside on the past, not this title's
            paren_former = depth
            notes.append(f"ignored the aside after '({item.source}' (a past employer or role)")
            continue
        if term.company and not term.level and not term.function:
            skipping = True
            notes.append(f"dropped the company after '{item.source}'")
            continue
        if term.conjunction and not term.level and not term.function:
            if depth == 0:
                parts.append(_Part())
            continue
        if term.former:
            parts[-1].former = True
            continue
        if term.status and not term.level:
            notes.append(f"ignored '{item.source}' (not a job)")
            continue
        if term.noise and not term.level and not term.function and not term.role:
            if item.text in vocab.reports_to:
                parts[-1].to_marks.append(item.start)
            continue
        (parts[-1].paren if depth else parts[-1].hits).append(item)
    parts = [p for p in parts if p.hits or p.paren or p.former]
    for part in parts:
        _drop_the_boss(part)
        _demote_modifier_titles(part)
    return parts, notes


def _drop_the_boss(part: _Part) -> None:
    """Drop the boss a role works for.

    "Executive Assistant to the CFO" is an assistant (other, ic), not a CFO; "Chief of Staff
    to the CEO" and "Advisor to the Board" keep their own role and drop whom they serve.
    """
    hits = part.hits
    for index, hit in enumerate(hits[:-1]):
        if hits[index + 1].start <= hit.end:
            continue  # "Assistant Director": no link word, the assistant is a director
        boss = next((h for h in hits[index + 1:index + 4]
                     if h.level in _SENIOR_ENOUGH_TO_ASSIST or h.term.chief), None)
        if boss is None:
            continue
        if hit.term.assistant:
            part.assistant_to = f"{hit.source} … {boss.source}"
            part.hits = [*hits[:index], Hit(hit.start, boss.end, Term(
                role=True, function="other", tier=3), hit.text, part.assistant_to)]
            part.paren = []
            return
        if (hit.level or hit.term.role) and any(hit.end <= m < boss.start for m in part.to_marks):
            part.hits = hits[:index + 1]
            part.notes.append(f"dropped '{boss.source}' (whom the role reports to)")
            return


def _demote_modifier_titles(part: _Part) -> None:
    """A C-level word before a role noun only qualifies it: "CEO Coach" is a coach."""
    hits = part.hits
    for index, hit in enumerate(hits):
        if hit.level != "cxo":
            continue
        rest = hits[index + 1:]
        if any(h.term.role and not h.term.officer for h in rest) and not any(
            h.level for h in rest
        ):
            hits[index] = Hit(hit.start, hit.end, Term(), hit.text, hit.source)


def _owner_counts(part: _Part, hit: Hit, index: int) -> bool:
    """"Partner"/"Owner" are owners only at the end of a part and not after a function word."""
    if index + 1 < len(part.hits):
        return False
    if index > 0:
        before = part.hits[index - 1]
        if before.term.function and before.end == hit.start:
            return False
    return True


@dataclass
class _Role:
    parts: list[_Part]
    level: str = UNKNOWN
    anchor: Hit | None = None
    level_note: str = ""
    former: bool = False


def _group_roles(parts: list[_Part]) -> list[_Role]:
    """Attach each part without a level word to the role before it, except that a current
    role noun never qualifies a former role: in "Ex-VP Marketing | Now Advisor" the advisor
    is today's role, not a detail of the past one."""
    roles: list[_Role] = []
    pending: list[_Part] = []
    previous: _Part | None = None
    for part in parts:
        starts = part.starts_role or (
            previous is not None and previous.former and not part.former
            and any(h.term.role for h in part.hits))
        previous = part
        if starts or not roles:
            if starts:
                roles.append(_Role([*pending, part]))
                pending = []
            else:
                pending.append(part)
        else:
            roles[-1].parts.append(part)
    if pending:
        if roles:
            roles[-1].parts.extend(pending)
        else:
            roles.append(_Role(pending))
    return roles


def _effective_level(part: _Part, index: int, hit: Hit) -> str | None:
    if hit.term.owner_contextual and hit.level == "owner" and not _owner_counts(part, hit, index):
        return None
    return hit.level


def _is_object(part: _Part, index: int) -> bool:
    """"Dean of Students", "Director of Intern Programs": a trainee word after a senior level
    word and a link word names whom the role serves, not the role."""
    hit = part.hits[index]
    return any(
        h.level and h.level != "entry" and h.end < hit.start for h in part.hits[:index]
    )


def _resolve_level(role: _Role) -> None:
    best: tuple[int, Hit] | None = None
    dominant: Hit | None = None
    for part in role.parts:
        if part.assistant_to:
            role.level, role.anchor = "ic", part.hits[-1]
            role.level_note = f"level=ic: assistant ('{part.assistant_to}'), not the boss's role"
            return
        for index, hit in enumerate(part.hits):
            level = _effective_level(part, index, hit)
            if level is None:
                continue
            if hit.term.entry_dominant and dominant is None and not _is_object(part, index):
                dominant = hit
            rank = PICK_RANK[level]
            if best is None or rank > best[0]:
                best = (rank, hit)
    if dominant is not None:
        role.level, role.anchor = "entry", dominant
        role.level_note = f"level=entry from '{dominant.source}'"
        return
    if best is not None:
        hit = best[1]
        role.level, role.anchor = hit.level or UNKNOWN, hit
        role.level_note = f"level={role.level} from '{hit.source}'"
        return
    roles = [h for p in role.parts for h in p.hits if h.term.role]
    if roles:
        role.level, role.anchor = "ic", roles[-1]
        role.level_note = f"level=ic: '{roles[-1].source}' with no seniority word"
        return
    if any(h.term.function for p in role.parts for h in p.hits + p.paren):
        role.level = "ic"
        role.level_note = "level=ic: a function with no seniority word"
        return
    paren_levels = [h for p in role.parts for h in p.paren if h.level]
    if paren_levels:
        hit = max(paren_levels, key=lambda h: PICK_RANK[h.level or UNKNOWN])
        role.level, role.anchor = hit.level or UNKNOWN, hit
        role.level_note = f"level={role.level} from '({hit.source})'"
        return
    role.level_note = "level=unknown: no seniority or role word"


def _resolve_function(role: _Role) -> tuple[str, str]:
    """(function, explanation) for a role whose level (and anchor) is known.

    The level word's own function ("CFO", "Recruiter") wins unless a stronger function word is
    present ("Data Engineer": "data" beats the generic "engineer"). Parenthesised words count
    only when the rest has no real function word ("Portfolio Lead (PMO)").
    """
    anchor = role.anchor
    candidates = [h for p in role.parts for h in p.hits if h.term.function and h is not anchor]
    top = max((h.term.tier for h in candidates), default=-1)
    from_paren = False
    if top < 2:
        paren = [h for p in role.parts for h in p.paren if h.term.function]
        paren_top = max((h.term.tier for h in paren), default=-1)
        if paren_top >= 2:
            candidates, top, from_paren = paren, paren_top, True
    if anchor is not None and anchor.term.function and anchor.term.tier >= top:
        return anchor.term.function, f"function={anchor.term.function} from '{anchor.source}'"
    if not candidates:
        return UNKNOWN, "function=unknown: no function word"
    best = [h for h in candidates if h.term.tier == top]
    chosen = best[0] if from_paren else _nearest(role, best, anchor)
    source = f"'({chosen.source})'" if from_paren else f"'{chosen.source}'"
    return chosen.term.function or UNKNOWN, f"function={chosen.term.function} from {source}"


def _nearest(role: _Role, best: list[Hit], anchor: Hit | None) -> Hit:
    """The function word that belongs to the level word.

    Right before it ("Finance Director", "Brand Marketing Lead": the last one), else right
    after it in the same part ("Head of Product Design": the head noun, i.e. the last of
    that run), else the nearest following part, else the nearest preceding part.
    """
    if anchor is None:
        return best[-1]
    anchor_part = next((i for i, p in enumerate(role.parts) if anchor in p.hits), 0)
    by_part: list[list[Hit]] = [[h for h in p.hits if h in best] for p in role.parts]
    own = by_part[anchor_part]
    before = [h for h in own if h.end <= anchor.start]
    if before:
        return before[-1]
    after = [h for h in own if h.start >= anchor.end]
    if after:
        return after[-1]
    for hits in by_part[anchor_part + 1:]:
        if hits:
            return hits[-1]
    for hits in reversed(by_part[:anchor_part]):
        if hits:
            return hits[-1]
    return best[-1]


def classify_title(title: str, vocab: Vocabulary) -> TitleClass:
    """Classify one title with ``vocab`` (not memoised: see ``Vocabulary.classify``)."""
    toks = tokenize(title, vocab)
    matched = normalized(toks)
    notes = [f"read '{t.raw}' as '{t.text}' (typo)" if t.note == "typo"
             else f"'{t.raw}' is a compound" for t in toks if t.note in NOTED]
    items = match_phrases(toks, vocab)
    parts, part_notes = _split_parts(items, vocab)
    notes += part_notes + [note for part in parts for note in part.notes]
    roles = _group_roles(parts) if parts else []
    if not roles:
        if any("not a job" in note for note in notes):
            return TitleClass(title, matched, "other", UNKNOWN, "; ".join(notes))
        return TitleClass(title, matched, UNKNOWN, UNKNOWN,
                          "; ".join(["nothing recognised", *notes]))
    for role in roles:
        _resolve_level(role)
        role.former = _is_former(role)
    current = [r for r in roles if not r.former]
    pool = current or roles
    chosen = max(pool, key=lambda r: PICK_RANK[r.level])  # first wins ties
    function, function_note = _resolve_function(chosen)
    if function == UNKNOWN:
        function, function_note = _borrow_function(chosen, pool)
    if function == UNKNOWN and chosen.level in ("owner", "cxo"):
        function = "general_management"
        function_note = f"function=general_management: a {chosen.level} title with no function"
    rule = [chosen.level_note, function_note]
    others = [r for r in roles if r is not chosen]
    if chosen.former:
        rule.append("a former role (marked former/ex) and nothing current in the title")
    elif any(r.former for r in others):
        rule.append("ignored the former role(s)")
    alternatives = [r for r in others if not r.former and r.level != UNKNOWN]
    if alternatives:
        rule.append("multi-title: picked the most senior of "
                    + ", ".join(f"{r.level}" for r in [chosen, *alternatives]))
    return TitleClass(title, matched, function, chosen.level, "; ".join(rule + notes))


def _is_former(role: _Role) -> bool:
    """A role is former when the part holding its level word says so ("Ex-CFO")."""
    anchor = role.anchor
    for part in role.parts:
        if anchor is not None and (anchor in part.hits or anchor in part.paren):
            return part.former
    return all(p.former for p in role.parts)


def _borrow_function(chosen: _Role, pool: list[_Role]) -> tuple[str, str]:
    """"VP & GM, Cloud Platform": a role with no function word takes its neighbour's."""
    for role in pool:
        if role is chosen:
            continue
        function, note = _resolve_function(role)
        if function != UNKNOWN:
            return function, note + " (from the other title)"
    return UNKNOWN, "function=unknown: no function word"
