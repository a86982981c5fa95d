"""The plan's facts (stored in English by ``plan.series_facts``) in another locale's words:
``every five weeks`` → ``cada cinco semanas``, an update's ``change`` (``change.*`` wording)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any


def every_in(english: str, start: datetime, locale: str) -> str:
    """The ledger's rhythm (``every five weeks``, ``every month on the first Tuesday``: the
    plan's English facts) in ``locale``; anything else as it is."""
    import re

    from outreach import i18n
    from outreach.wording import number_word

    numbers = {number_word(n): n for n in range(1, 13)} | {str(n): n for n in range(1, 100)}
    rotation = re.fullmatch(r"every (?:(\w+) )?(week|day)s?", english)
    if rotation and (rotation.group(1) is None or rotation.group(1) in numbers):
        count = numbers.get(rotation.group(1) or "", 1)
        return i18n.every_text(count * (7 if rotation.group(2) == "week" else 1), locale)
    forum = re.fullmatch(r"every (?:(\w+) )?months? on the (\w+) \w+", english)
    if forum and (forum.group(1) is None or forum.group(1) in numbers):
        nth = -1 if forum.group(2) == "last" else (start.day - 1) // 7 + 1
        code = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[start.weekday()]
        return i18n.forum_rule_text(numbers.get(forum.group(1) or "", 1), f"{nth}{code}", locale)
    return english


def change_in(old: Mapping[str, Any], new: Mapping[str, Any], start: datetime,
               locale: str) -> str:
    """``describe_change`` in ``locale``: the ``change.*`` wording."""
    from outreach import i18n

    when = i18n.format_when(start, locale, zone=True)
    every = every_in(str(new.get("every") or ""), start, locale)
    if not old.get("start"):
        return i18n.wording("change.whole", locale, every=every, start=when)
    changes = []
    if old.get("start") != new.get("start"):
        changes.append(i18n.wording("change.moved", locale, start=when))
    if old.get("every") != new.get("every"):
        changes.append(i18n.wording("change.every", locale, every=every))
    if old.get("count") != new.get("count"):
        until = i18n.format_day(datetime.fromisoformat(str(new["until"])), locale, "long")
        changes.append(i18n.wording("change.count", locale, until=until,
                                    count_words=i18n.number_word(int(new["count"]), locale)))
    if old.get("minutes") != new.get("minutes"):
        changes.append(i18n.wording("change.minutes", locale, duration=i18n.format_duration(
            int(new["minutes"] or 0), locale)))
    if (old.get("location"), old.get("link")) != (new.get("location"), new.get("link")):
        place = new.get("location") or new.get("link")
        changes.append(i18n.wording("change.place", locale, place=place) if place
                       else i18n.wording("change.no_place", locale))
    return i18n.wording("change.joiner", locale).join(changes) or i18n.wording("change.none",
                                                                               locale)
