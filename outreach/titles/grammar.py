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

from outreach.titles.model import UNKNOWN, Term, TitleClass
from outreach.titles.phrases import Hit, in_sector, match_phrases, sector_of
from outreach.titles.rules import GRAMMAR
from outreach.titles.tokens import Tok, fix_notes, normalized, tokenize

if TYPE_CHECKING:
    from outreach.titles.vocabulary import Vocabulary

_RANK = GRAMMAR.pick_rank
_BOSS_LEVELS = GRAMMAR.boss_levels
_BOSS_WITHIN = GRAMMAR.boss_within
_ROLE_LEVEL = GRAMMAR.role_level  # "ic"
_TRAINEE_LEVEL = GRAMMAR.trainee_level  # "entry"
_CHIEF_LEVEL = GRAMMAR.chief_level  # "cxo"
_OWNER_LEVEL = GRAMMAR.owner_level  # "owner"
_GENERAL = GRAMMAR.general_function  # "general_management"
_OTHER = GRAMMAR.other_function  # "other"
_REAL_TIER = GRAMMAR.tiers.real
_HARD = GRAMMAR.characters.hard_separator
_SENIOR_LEVEL = "senior"
_DEPUTY_OF = frozenset(GRAMMAR.deputy_of)  # a deputy to one of these heads ...
_DEPUTY_LEVEL = GRAMMAR.deputy_level  # ... is this ("Deputy CEO": vp)
_DEPUTY_OF_FUNCTIONS = frozenset(GRAMMAR.deputy_of_functions)
_NON_EQUITY_LEVEL = "director"  # a partner without equity ([rules] non_equity)


def _lang(hit: Hit) -> str:
    """`` (nl)`` after a word from a language section, for the rule."""
    return f" ({hit.term.lang})" if hit.term.lang else ""


@dataclass
class _Part:
    """One part of a title, between separators: its hits, and what the split learned."""

    hits: list[Hit] = field(default_factory=list)
    paren: list[Hit] = field(default_factory=list)  # hits in brackets: they only break ties
    former: bool = False
    deputy: str = ""  # "Deputy", "Adjoint": the second of an organisation's heads
    assistant_to: str = ""
    to_marks: list[int] = field(default_factory=list)  # token indexes of "to" (reports to)
    notes: list[str] = field(default_factory=list)

    @property
    def starts_role(self) -> bool:
        """A part with its own level word is a title of its own; others qualify one."""
        return bool(self.assistant_to) or any(
            _effective_level(self, i, h) for i, h in enumerate(self.hits)
        )


@dataclass
class _Split:
    """Cuts hits into parts, item by item (see ``_split_parts``)."""

    reports_to: set[str]
    parts: list[_Part] = field(default_factory=lambda: [_Part()])
    notes: list[str] = field(default_factory=list)
    status: bool = False  # a status phrase was dropped ("#OpenToWork"): maybe not a job at all
    depth: int = 0  # bracket depth
    skipping: bool = False  # inside "at Company"
    paren_former: int = 0  # depth of a bracket opened by "ex"/"former": skipped to its end

    def mark(self, tok: Tok) -> None:
        """A punctuation token: brackets, separators, "@"."""
        kind = tok.kind
        if kind == "sep" and tok.text == _HARD:
            self.skipping = False
        if self.skipping:
            return
        if kind == "open":
            self.depth += 1
        elif kind == "close":
            self.depth = max(0, self.depth - 1)
            if self.depth < self.paren_former:
                self.paren_former = 0
        elif self.paren_former:
            return
        elif kind == "sep" and self.depth == 0:
            self.parts.append(_Part())
        elif kind == "at":
            self.skipping = True
            self.notes.append(f"dropped the company after '{tok.raw}'")

    def hit(self, item: Hit) -> None:
        """A phrase hit that may be a marker word (former, company, conjunction, status,
        noise): it acts on the split; any other joins the current part."""
        term = item.term
        if self.skipping or self.paren_former:
            return
        if term.retired:  # "Colonel (Retired)": the role itself is past
            self.parts[-1].former = True
        elif term.former and self.depth:  # "(ex-Google)": an aside on the past, not this title's
            self.paren_former = self.depth
            self.notes.append(f"ignored the aside after '({item.source}' "
                              "(a past employer or role)")
        elif term.company and not term.level and not term.function:
            self.skipping = True
            self.notes.append(f"dropped the company after '{item.source}'")
        elif term.conjunction and not term.level and not term.function:
            # "Assistant to the Founder & CEO": the "to the ..." clause names one boss
            if self.depth == 0 and not self.parts[-1].to_marks:
                self.parts.append(_Part())
        elif term.deputy and not term.level:
            self.parts[-1].deputy = item.source
        elif term.former:
            self.parts[-1].former = True
        elif term.status and not term.level:
            self.status = True
            self.notes.append(f"ignored '{item.source}' (not a job)")
        elif term.noise and not term.level and not term.function and not term.role:
            if item.text in self.reports_to:
                self.parts[-1].to_marks.append(item.start)
        else:
            (self.parts[-1].paren if self.depth else self.parts[-1].hits).append(item)


def _split_parts(items: list[Hit | Tok], vocab: Vocabulary) -> _Split:
    """Cut the hits into parts at separators and conjunctions; drop "at Company", noise and
    status words; mark former parts; keep parenthesised hits apart (they only break ties).

    A former marker inside parentheses covers only what follows it there: "VP Marketing
    (ex-Google)" is a current VP whose past is in the aside."""
    split = _Split(vocab.reports_to)
    for item in items:
        if isinstance(item, Tok):
            split.mark(item)
            continue
        term = item.term
        if term.former or term.retired or term.company or term.conjunction or term.status \
                or term.noise or term.deputy:
            split.hit(item)
        elif not (split.skipping or split.paren_former):  # the common case, kept inline
            part = split.parts[-1]
            (part.paren if split.depth else part.hits).append(item)
    split.parts = [p for p in split.parts if p.hits or p.paren or p.former]
    for part in split.parts:
        _drop_the_boss(part)
        _demote_modifier_titles(part)
    return split


def _drop_the_boss(part: _Part) -> None:
    """Drop the boss a role works for.

    "Executive Assistant to the CFO" is an assistant (other, ic), not a CFO; "Chief of Staff
    to the CEO" and "Advisor to the Board" keep their own role and drop whom they serve.
    """
    hits = part.hits
    for index, hit in enumerate(hits[:-1]):
        if hits[index + 1].start <= hit.end:
            continue  # "Assistant Director": no link word, the assistant is a director
        boss = next((h for h in hits[index + 1:index + 1 + _BOSS_WITHIN]
                     if h.level in _BOSS_LEVELS or h.term.chief), None)
        if boss is None:
            continue
        if hit.term.assistant:
            part.assistant_to = f"{hit.source} … {boss.source}"
            part.hits = [*hits[:index], Hit(hit.start, boss.end, Term(
                role=True, function=_OTHER, tier=GRAMMAR.tiers.assistant), hit.text,
                part.assistant_to)]
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
        if hit.level != _CHIEF_LEVEL:
            continue
        rest = hits[index + 1:]
        if any(h.term.role and not h.term.officer for h in rest) and not any(
            h.level for h in rest
        ):
            hits[index] = Hit(hit.start, hit.end, Term(), hit.text, hit.source)


def _owner_counts(part: _Part, hit: Hit, index: int) -> bool:
    """"Partner"/"Owner" are owners only at the end of a part and not right after a function
    word ("Product Owner", "Talent Partner"); after a role noun they are ("Avocat associé")."""
    if index + 1 < len(part.hits):
        return False
    if index > 0:
        before = part.hits[index - 1]
        if before.term.function and not before.term.role and before.end == hit.start:
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
    term = hit.term
    if term.owner_contextual and hit.level == _OWNER_LEVEL:
        if index > 0 and part.hits[index - 1].term.non_equity \
                and part.hits[index - 1].end == hit.start and index + 1 == len(part.hits):
            return _NON_EQUITY_LEVEL  # a partner without equity
        if not _owner_counts(part, hit, index):
            return None
    if term.grade and not _grade_counts(part, index):
        return None
    return hit.level


def _grade_counts(part: _Part, index: int) -> bool:
    """A grade numeral ("Engineer II", "Analyst III") counts only right after a role or level
    word at the end of a part; elsewhere "I" and "V" are just letters."""
    if index == 0 or index + 1 < len(part.hits):
        return False
    before = part.hits[index - 1]
    return before.end == part.hits[index].start and bool(before.term.role or before.level)


def _is_object(part: _Part, index: int) -> bool:
    """"Dean of Students", "Director of Intern Programs": a trainee word after a senior level
    word and a link word names whom the role serves, not the role."""
    hit = part.hits[index]
    return any(
        h.level and h.level != _TRAINEE_LEVEL and h.end < hit.start for h in part.hits[:index]
    )


def _resolve_level(role: _Role) -> None:
    best: tuple[int, Hit] | None = None
    best_level = UNKNOWN
    dominant: Hit | None = None
    for part in role.parts:
        if part.assistant_to:
            senior = next((h for h in part.hits[:-1] if h.level == _SENIOR_LEVEL), None)
            own = _SENIOR_LEVEL if senior else _ROLE_LEVEL
            role.level, role.anchor = own, part.hits[-1]
            role.level_note = (f"level={own}: assistant ('{part.assistant_to}'), "
                               "not the boss's role")
            return
        for index, hit in enumerate(part.hits):
            level = _effective_level(part, index, hit)
            if level is None:
                continue
            if hit.term.entry_dominant and dominant is None and not _is_object(part, index):
                dominant = hit
            rank = _RANK[level]
            if best is None or rank > best[0]:
                best = (rank, hit)
                best_level = level
    if dominant is not None:
        role.level, role.anchor = _TRAINEE_LEVEL, dominant
        role.level_note = f"level={_TRAINEE_LEVEL} from '{dominant.source}'{_lang(dominant)}"
        return
    if best is not None:
        hit = best[1]
        role.level, role.anchor = best_level, hit
        role.level_note = f"level={role.level} from '{hit.source}'{_lang(hit)}"
        deputy = next((p.deputy for p in role.parts if p.deputy), "")
        if deputy and role.level in _DEPUTY_OF and (
                hit.term.function is None or hit.term.function in _DEPUTY_OF_FUNCTIONS):
            role.level = _DEPUTY_LEVEL
            role.level_note = (f"level={_DEPUTY_LEVEL}: '{deputy}' to the head "
                               f"('{hit.source}'{_lang(hit)})")
        return
    hits = [h for p in role.parts for h in p.hits]
    member = next((h for h in hits if h.term.member), None)
    board = next((h for h in hits if h.term.board and h is not member), None)
    if member is not None and board is not None:  # a member of a board: a board seat
        role.level, role.anchor = _CHIEF_LEVEL, board
        role.level_note = (f"level={_CHIEF_LEVEL}: a board seat ('{member.source}' of "
                           f"'{board.source}'{_lang(board)})")
        return
    roles = [h for h in hits if h.term.role]
    if roles:
        role.level, role.anchor = _ROLE_LEVEL, roles[-1]
        role.level_note = (f"level={_ROLE_LEVEL}: '{roles[-1].source}'{_lang(roles[-1])} "
                           "with no seniority word")
        return
    if any(h.term.function for p in role.parts for h in p.hits + p.paren):
        role.level_note = "level=unknown: names a function, no role or seniority word"
        return
    paren_levels = [h for p in role.parts for h in p.paren if h.level]
    if paren_levels:
        hit = max(paren_levels, key=lambda h: _RANK[h.level or UNKNOWN])
        role.level, role.anchor = hit.level or UNKNOWN, hit
        role.level_note = f"level={role.level} from '({hit.source})'"
        return
    role.level_note = "level=unknown: no seniority or role word"


def _resolve_function(role: _Role) -> tuple[str, str, int]:
    """(function, explanation, tier of the deciding word) for a role whose level (and
    anchor) is known.

    The level word's own function ("CFO", "Recruiter") wins unless a stronger function word is
    present ("Data Engineer": "data" beats the generic "engineer"). Parenthesised words count
    only when the rest has no real function word ("Portfolio Lead (PMO)"). When the level word
    is only a seniority ("Senior", "Sênior"), a role noun among the strongest words names the
    function ("Designer de Interiores Sênior" is a designer).
    """
    anchor = role.anchor
    candidates = [h for p in role.parts for h in p.hits if h.term.function and h is not anchor]
    top = max((h.term.tier for h in candidates), default=-1)
    from_paren = False
    if top < _REAL_TIER:
        paren = [h for p in role.parts for h in p.paren if h.term.function]
        paren_top = max((h.term.tier for h in paren), default=-1)
        if paren_top >= _REAL_TIER:
            candidates, top, from_paren = paren, paren_top, True
    if anchor is not None and anchor.term.function and anchor.term.tier >= top:
        return (anchor.term.function,
                f"function={anchor.term.function} from '{anchor.source}'{_lang(anchor)}",
                anchor.term.tier)
    if not candidates:
        return UNKNOWN, "function=unknown: no function word", -1
    best = [h for h in candidates if h.term.tier == top]
    if anchor is not None and not anchor.term.role and not from_paren:
        best = [h for h in best if h.term.role] or best
    chosen = best[0] if from_paren else _nearest(role, best, anchor)
    source = f"'({chosen.source})'" if from_paren else f"'{chosen.source}'"
    return (chosen.term.function or UNKNOWN,
            f"function={chosen.term.function} from {source}{_lang(chosen)}", top)


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
    items = match_phrases(toks, vocab)
    sector = sector_of(items)
    sector_notes: list[str] = []
    if sector is not None:
        items = in_sector(items, sector, vocab, sector_notes)
    split = _split_parts(items, vocab)
    notes = [*fix_notes(toks), *sector_notes, *split.notes,
             *(note for p in split.parts for note in p.notes)]
    roles = _group_roles(split.parts) if split.parts else []
    if not roles:
        if split.status:  # "#OpenToWork": says something, just not a job
            return TitleClass(title, matched, _OTHER, UNKNOWN, "; ".join(notes))
        return TitleClass(title, matched, UNKNOWN, UNKNOWN,
                          "; ".join(["nothing recognised", *notes]))
    ended = vocab.ended(title)
    for role in roles:
        _resolve_level(role)
        role.former = bool(ended) or _is_former(role)
    pool = [r for r in roles if not r.former] or roles
    chosen = max(pool, key=lambda r: _RANK[r.level])  # first wins ties
    function, function_note = _choose_function(chosen, pool, sector, vocab)
    rule = [chosen.level_note, function_note, *_pick_notes(chosen, roles, ended)]
    return TitleClass(title, matched, function, chosen.level, "; ".join(rule + notes),
                      former=chosen.former)


def _choose_function(chosen: _Role, pool: list[_Role], sector: tuple[str, str] | None,
                     vocab: Vocabulary) -> tuple[str, str]:
    """The chosen role's function, else its neighbour's, else its sector's ("Partner at a law
    firm" is legal), else general management for leaders. A founder's own word says only
    general management: a function named by the other title wins ("Co-Founder & CTO")."""
    function, note, tier = _resolve_function(chosen)
    if function == UNKNOWN or (chosen.level == _OWNER_LEVEL and function == _GENERAL):
        borrowed, borrowed_note = _borrow_function(chosen, pool)
        if borrowed not in (UNKNOWN, _GENERAL) or function == UNKNOWN:
            function, note = borrowed, borrowed_note
            tier = -1 if function == UNKNOWN else tier
    if sector is not None and (function == UNKNOWN or (function == _GENERAL and tier <= 1)):
        own = vocab.sector_function.get(sector[0])
        if own:
            return own, f"function={own}: a {sector[0].replace('_', ' ')} title ('{sector[1]}')"
    if function == UNKNOWN and chosen.level in GRAMMAR.leader_levels:
        function = _GENERAL
        note = f"function={_GENERAL}: a {chosen.level} title with no function"
    return function, note


def _pick_notes(chosen: _Role, roles: list[_Role], ended: str = "") -> list[str]:
    """Why this role of a multi-title: former roles left out, the most senior picked."""
    notes: list[str] = []
    others = [r for r in roles if r is not chosen]
    if ended:
        notes.append(f"a former role (ended: '{ended}')")
    elif chosen.former:
        notes.append("a former role (marked former/ex) and nothing current in the title")
    elif any(r.former for r in others):
        notes.append("ignored the former role(s)")
    alternatives = [r for r in others if not r.former and r.level != UNKNOWN]
    if alternatives:
        notes.append("multi-title: picked the most senior of "
                     + ", ".join(f"{r.level}" for r in [chosen, *alternatives]))
    return notes


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
        function, note, _ = _resolve_function(role)
        if function != UNKNOWN:
            return function, note + " (from the other title)"
    return UNKNOWN, "function=unknown: no function word"
