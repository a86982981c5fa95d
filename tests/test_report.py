"""report.html: self-contained, escaped, with the rotation on a calendar grid."""

from __future__ import annotations

from datetime import datetime
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

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
