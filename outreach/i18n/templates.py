"""Which template file a locale reads.

``template_path("invite.email.j2", "es_ES", Path("templates"))`` looks, in order, at::

    templates/es_ES/invite.email.j2   the user's folder, the locale, then its language
    templates/es/invite.email.j2
    templates/invite.email.j2         the user's own (whatever language they wrote it in)
    <built-in>/es_ES/invite.email.j2  the built-ins in the locale's language
    <built-in>/es/invite.email.j2
    <built-in>/invite.email.j2        the built-in English

and returns the first file that exists (``user_dir=None``: the built-ins only). Built-in
languages: ``locales.TEMPLATE_LANGUAGES``; ``templates/<lang>/`` holds one file for every
English template in ``templates/``.
"""

from __future__ import annotations

from pathlib import Path

from outreach.errors import OutreachError
from outreach.i18n.locales import fallbacks

BUILTIN_DIR = Path(__file__).resolve().parent.parent / "templates"


def candidates(name: str, locale: str, user_dir: Path | None = None) -> list[Path]:
    """Every place ``template_path`` looks, first first."""
    tags = fallbacks(locale)
    places: list[Path] = []
    if user_dir is not None:
        places += [user_dir / tag / name for tag in tags] + [user_dir / name]
    places += [BUILTIN_DIR / tag / name for tag in tags] + [BUILTIN_DIR / name]
    return places


def template_path(name: str, locale: str, user_dir: Path | None = None) -> Path:
    """The file to render for template ``name`` in ``locale`` (see the module doc)."""
    places = candidates(name, locale, user_dir)
    for place in places:
        if place.is_file():
            return place
    raise OutreachError(f"{name}: no such template (looked in {', '.join(map(str, places))})",
                        field="template")
