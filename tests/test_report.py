"""report.html: self-contained, escaped, with the rotation on a calendar grid."""

from __future__ import annotations

from datetime import datetime
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from outreach.model import Person
from outreach.report import FileLink, ReportData, Slot, month_grids, render_report

TZ = ZoneInfo("America/Toronto")


class Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.tags.append(tag)
        self.hrefs += [v for k, v in attrs if k == "href" and v]


def sample() -> ReportData:
    people = [Person("Ana", "Souza", url="https://www.linkedin.com/in/ana",
                     company="<script>x</script>",
                     position="VP Marketing", reason="VP Marketing ~ VP Marketing: ..."),
              Person("Evil", "Link", url="javascript:alert(1)", company="Initech")]
    slots = [Slot(datetime(2027, 1, 5, 8, tzinfo=TZ), "Ana Souza"),
             Slot(datetime(2027, 2, 2, 8, tzinfo=TZ), "Peer forum", "forum")]
    return ReportData("Dana Whitfield", "VP Marketing", "marketing", "vp", people, slots,
                      [FileLink("peers.csv", "the peers, as CSV")], rotation_peers=["Ana Souza"])


def test_month_grids_cover_every_slot() -> None:
    months = month_grids(sample().slots)
    assert [m.name for m in months] == ["January 2027", "February 2027"]
    days = [d for week in months[0].weeks for d in week if d.slots]
    assert [(d.day, d.slots[0].label) for d in days] == [(5, "Ana Souza")]


def test_report_escapes_data_and_only_links_web_urls() -> None:
    html = render_report(sample())
    assert "<script>x</script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    parser = Collect()
    parser.feed(html)
    assert "script" not in parser.tags and "link" not in parser.tags  # self-contained
    assert "javascript:alert(1)" not in parser.hrefs
    assert "https://www.linkedin.com/in/ana" in parser.hrefs and "peers.csv" in parser.hrefs
    assert "Ana Souza" in html and "January 2027" in html


def test_each_peer_row_reads_as_before() -> None:
    """The peers table is read into rows before the template loops (issue 23): a row still
    links only a web profile, names "(no name)", tags the rotation and forum peers, and
    turns control characters into spaces."""
    people = [Person("Ana", "Souza", url="https://www.linkedin.com/in/ana", company="Acme",
                     position="VP Marketing", reason="why <b>"),
              Person("", "", url="ftp://x", company="Nameless\x1bCo", position="VP"),
              Person("Bo", "Li", company="Initech", position="VP", reason="r")]
    data = ReportData("Dana", "VP Marketing", "marketing", "vp", people, [], [],
                      rotation_peers=["Ana Souza"], forum_peers=["Bo Li"])
    page = render_report(data)
    assert (
        '  <tr>\n'
        '    <td><a href="https://www.linkedin.com/in/ana" rel="noopener noreferrer">Ana Souza'
        '</a></td>\n'
        '    <td>Acme</td>\n'
        '    <td>VP Marketing</td>\n'
        '    <td><span class="tag rotation">rotation</span></td>\n'
        '    <td class="why">why &lt;b&gt;</td>\n'
        '  </tr>\n') in page
    assert ('    <td>(no name)</td>\n    <td>Nameless Co</td>\n    <td>VP</td>\n    <td></td>\n'
            ) in page
    assert '<td>Bo Li</td>\n    <td>Initech</td>\n    <td>VP</td>\n    <td><span class="tag ' \
           'forum">forum</span></td>' in page


_OLD_LOOP = """\
  {% set in_rotation = say("report.rotation") %}
  {% for link, name, company, position, rotation, forum, reason in peer_rows %}
  <tr>
    <td>{% if link %}<a href="{{ link }}" rel="noopener noreferrer">{{ name }}</a>{% else %}{{ name }}{% endif %}</td>
    <td>{{ company }}</td>
    <td>{{ position }}</td>
    <td>{% if rotation %}<span class="tag rotation">{{ in_rotation }}</span>{% endif %}{% if forum %}<span class="tag forum">forum</span>{% endif %}</td>
    <td class="why">{{ reason }}</td>
  </tr>
  {% endfor %}
"""  # noqa: E501 - the peers table as report.html.j2 looped over it before issue 23


def _old_rows(data: ReportData, locale: str) -> str:
    import jinja2

    from outreach.i18n import wording
    from outreach.report import _text

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, finalize=_text)
    rotation, forum = set(data.rotation_peers), set(data.forum_peers)
    rows = [(p.url if p.url.startswith(("https://", "http://")) else "",
             p.full_name or "(no name)", p.company, p.position, p.full_name in rotation,
             p.full_name in forum, p.reason) for p in data.peers]
    return env.from_string(_OLD_LOOP).render(
        peer_rows=rows, say=lambda key, **values: wording(key, locale, **values))


_cells = st.text(st.characters(codec="utf-8"), max_size=12) | st.sampled_from(
    ["", "<script>", "a&b", "\"q'", "x\x1by", "https://x/?a=1&b=<2>", "http://h"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_cells, _cells, _cells, _cells, _cells, _cells), max_size=5),
       st.sampled_from(["en", "es", "de"]))
def test_peer_rows_are_the_template_loop_they_replace(cells: list[tuple[str, ...]],
                                                      locale: str) -> None:
    """The peers table rendered in Python (issue 23) is the old template loop's text, for
    any names, links, companies, titles and reasons: escaped, control characters made
    spaces, only web links linked, the rotation and forum tagged."""
    from outreach.report import peer_rows

    people = [Person(first, last, url=url, company=firm, position=title, reason=why)
              for first, last, url, firm, title, why in cells]
    names = [p.full_name for p in people]
    data = ReportData("Dana", "VP", "marketing", "vp", people, [], [],
                      rotation_peers=names[::2], forum_peers=names[1::3])
    rows = peer_rows(data, locale)
    assert (rows + "\n" if rows else "") == _old_rows(data, locale)
