"""Generate a realistic, seeded LinkedIn data export (the sample data and the benchmarks use it).

    python sample_data/generate.py sample_data            # 600 connections, seed 7
    python sample_data/generate.py /tmp/big --rows 30000  # LinkedIn's cap, for benchmarks

Writes ``Connections.csv`` exactly as LinkedIn does (Notes: preamble, UTF-8 without BOM, LF, no
final newline, RFC 4180 quoting) and ``Basic_LinkedInDataExport_11-20-2026.zip`` holding it with
``Profile.csv``, ``Positions.csv`` and ``Email Addresses.csv``. All e-mail addresses use reserved
example domains.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import zipfile
from datetime import date, timedelta
from pathlib import Path

PREAMBLE = (
    'Notes:\n"When exporting your connection data, you may notice that some of the email addresses'
    " are missing. You will only see email addresses for connections who have allowed their"
    " connections to see or download their email address using this setting"
    " https://www.linkedin.com/psettings/privacy/email. You can learn more here"
    ' https://www.linkedin.com/help/linkedin/answer/261"\n\n'
)
HEADER = ["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"]
ZIP_NAME = "Basic_LinkedInDataExport_11-20-2026.zip"
OWNER = ("Dana", "Whitfield", "VP Marketing", "Northwind Analytics", "dana.whitfield@example.com")

FIRST = ["James", "Maria", "Wei", "Priya", "Olusegun", "Sofia", "Liam", "Aisha", "Mateo", "Hannah",
         "Kenji", "Fatima", "Lucas", "Chloé", "Noah", "Amara", "Ethan", "Ingrid", "Diego", "Mei",
         "Oliver", "Zoë", "Rafael", "Anika", "Tomás", "Grace", "Yusuf", "Elena", "Marcus", "Leila",
         "Björn", "Camille", "Arjun", "Nadia", "Samuel", "Léa", "Kwame", "Isabella", "Hiroshi",
         "Emma", "Łukasz", "Şebnem", "Siobhán", "Dmitri", "Ana", "Jonas", "Thandiwe", "Rohan",
         "Astrid", "Mohammed", "Julia", "Chen", "Gabriel", "Noor", "Pedro", "Katarzyna", "David"]
LAST = ["Smith", "García", "Chen", "Patel", "Adeyemi", "Rossi", "Murphy", "Khan", "Fernández",
        "Müller", "Tanaka", "Haddad", "Silva", "Dubois", "Johnson", "Okafor", "Brown", "Larsen",
        "López", "Wang", "Taylor", "Ødegård", "Costa", "Sharma", "Núñez", "O'Brien", "Yilmaz",
        "Popescu", "Williams", "Nguyen", "Lindqvist", "Moreau", "Iyer", "Petrova", "Mensah",
        "Kowalski", "Sato", "Schneider", "Kim", "Anderson", "Bianchi", "Novak", "de Vries",
        "Jensen", "Abdullah", "Santos", "Kaur", "Fischer", "Martin", "Rahman", "Walsh", "Ivanova"]
SPECIAL_NAMES = [("José", "Núñez"), ("Zoë", "Ødegård"), ("王伟", ""), ("Αλέξης", "Παπαδόπουλος"),
                 ("Дмитрий", "Иванов"), ("Şebnem", "Yıldız"), ("Łukasz", "Wróbel"),
                 ("Siobhán", "Ní Bhriain"), ("Søren", "Kierkegård"), ("Nguyễn", "Thị Lan")]
COMPANIES = ["Acme Inc.", "Globex Corporation", "Initech", "Umbrella Health", "Stark Industries",
             "Wayne Enterprises", "Hooli", "Pied Piper", "Vandelay Industries", "Soylent Foods",
             "Cyberdyne Systems", "Tyrell Corp", "Wonka Industries", "Oceanic Airlines",
             "Blue Sun Ltd", "Monarch Bank", "Nakatomi Trading", "Gringotts Financial",
             "Massive Dynamic", "Aperture Labs", "Black Mesa", "Dunder Mifflin", "Prestige Worldwide",
             "Bluth Company", "Sterling Cooper", "Krusty Krab", "Los Pollos Hermanos", "Genco",
             "Contoso Ltd", "Fabrikam GmbH", "Tailspin Toys", "Litware SA", "Adventure Works",
             "Woodgrove Bank", "Proseware", "Lucerne Publishing", "Coho Winery", "Wide World Importers",
             "Fourth Coffee", "Alpine Ski House", "Margie's Travel", "Trey Research", "Humongous Insurance",
             "Northwind Traders", "Southridge Video", "Graphic Design Institute", "Consolidated Messenger",
             "Banco Andino", "Société Lumière", "Grupo Horizonte", "Brasilia Logística", "Hansa Werke AG",
             "Shenzhen Brightpath", "Mumbai Digital Pvt Ltd", "Lagos Fintech", "Nordlys AS"]
OWN_COMPANY_SPELLINGS = ["Northwind Analytics", "Northwind Analytics Inc.", "NORTHWIND ANALYTICS"]

# (function, level) → title patterns written for the sample (not the labelled dev set).
TITLES: dict[tuple[str, str], list[str]] = {
    ("marketing", "vp"): ["VP Marketing", "Vice President, Global Marketing", "VP of Marketing",
                          "SVP, Marketing & Communications", "Vice President Demand Generation",
                          "VP, Product Marketing", "EVP Marketing", "VP Growth Marketing",
                          "Vice-President Marketing (EMEA)", "VP Brand & Communications"],
    ("marketing", "cxo"): ["Chief Marketing Officer", "CMO", "CMO & Head of Growth"],
    ("marketing", "director"): ["Director of Marketing", "Marketing Director", "Director, Brand",
                                "Senior Director, Digital Marketing", "Directora de Marketing"],
    ("marketing", "manager"): ["Marketing Manager", "Content Marketing Manager", "Brand Manager"],
    ("marketing", "ic"): ["Marketing Specialist", "Content Strategist", "Copywriter"],
    ("sales", "vp"): ["VP Sales", "Vice President of Sales, North America", "SVP Global Sales"],
    ("sales", "director"): ["Sales Director", "Director of Sales", "Regional Sales Director"],
    ("sales", "manager"): ["Sales Manager", "Key Account Manager", "Inside Sales Manager"],
    ("sales", "ic"): ["Account Executive", "Sales Representative", "Business Development Rep"],
    ("engineering", "cxo"): ["CTO", "Chief Technology Officer"],
    ("engineering", "vp"): ["VP Engineering", "Vice President, Software Engineering"],
    ("engineering", "director"): ["Director of Engineering", "Engineering Director"],
    ("engineering", "manager"): ["Engineering Manager", "Software Development Manager"],
    ("engineering", "senior"): ["Senior Software Engineer", "Staff Engineer", "Principal Engineer"],
    ("engineering", "ic"): ["Software Engineer", "Backend Developer", "QA Engineer"],
    ("engineering", "entry"): ["Software Engineering Intern", "Junior Developer"],
    ("it", "cxo"): ["CIO", "Chief Information Officer", "Chief Digital & Information Officer"],
    ("it", "vp"): ["VP, IT", "Vice President Information Technology"],
    ("it", "director"): ["IT Director", "Director of Infrastructure"],
    ("it", "manager"): ["IT Manager", "Service Desk Manager"],
    ("it", "ic"): ["Systems Administrator", "IT Support Specialist"],
    ("project_management", "director"): ["Director, Enterprise PMO", "PMO Director",
                                         "Director of Program Management",
                                         "Sr. Dir., Enterprise Project Management Office"],
    ("project_management", "manager"): ["Program Manager", "Project Manager", "PMO Manager"],
    ("project_management", "ic"): ["Project Coordinator", "Scrum Master"],
    ("finance", "cxo"): ["CFO", "Chief Financial Officer"],
    ("finance", "vp"): ["VP Finance", "Vice President, Finance & Accounting"],
    ("finance", "director"): ["Finance Director", "Director of FP&A"],
    ("finance", "manager"): ["Finance Manager", "Controller"],
    ("finance", "ic"): ["Financial Analyst", "Senior Accountant"],
    ("hr", "cxo"): ["Chief People Officer", "CHRO"],
    ("hr", "vp"): ["VP People", "Vice President, Human Resources"],
    ("hr", "director"): ["HR Director", "Director of Talent Acquisition"],
    ("hr", "manager"): ["HR Manager", "Talent Acquisition Manager"],
    ("hr", "ic"): ["Recruiter", "HR Generalist"],
    ("product", "vp"): ["VP Product", "Vice President of Product Management"],
    ("product", "director"): ["Director of Product Management", "Group Product Director"],
    ("product", "manager"): ["Product Manager", "Senior Product Manager"],
    ("data", "director"): ["Director of Data Science", "Head of Analytics"],
    ("data", "ic"): ["Data Scientist", "Data Analyst", "Analytics Engineer"],
    ("design", "director"): ["Design Director", "Director of UX"],
    ("design", "ic"): ["Product Designer", "UX Researcher"],
    ("operations", "vp"): ["VP Operations", "Vice President, Operations"],
    ("operations", "manager"): ["Operations Manager", "Supply Chain Manager"],
    ("legal", "cxo"): ["General Counsel & Chief Legal Officer"],
    ("legal", "ic"): ["Corporate Counsel", "Paralegal"],
    ("customer_success", "director"): ["Director of Customer Success"],
    ("customer_success", "manager"): ["Customer Success Manager"],
    ("general_management", "cxo"): ["CEO", "Chief Executive Officer", "Co-Founder & CEO"],
    ("general_management", "owner"): ["Founder", "Owner", "Managing Partner"],
}
# Marketing VPs are over-represented so the sample user (a VP Marketing) has a real peer pool.
WEIGHTS = {key: (14 if key == ("marketing", "vp") else 3 if key[1] in ("vp", "director") else 2)
           for key in TITLES}


def connections(rows: int, seed: int = 7) -> list[list[str]]:
    rng = random.Random(seed)
    keys, weights = list(TITLES), [WEIGHTS[k] for k in TITLES]
    result: list[list[str]] = []
    specials = list(SPECIAL_NAMES)
    for index in range(rows):
        first, last = specials.pop(0) if specials and index % 7 == 3 else (
            rng.choice(FIRST), rng.choice(LAST))
        title = rng.choice(TITLES[rng.choices(keys, weights)[0]])
        company = rng.choice(OWN_COMPANY_SPELLINGS) if rng.random() < 0.03 else rng.choice(COMPANIES)
        slug = f"{first}-{last}".lower().replace(" ", "-").replace("'", "")
        url = f"https://www.linkedin.com/in/{slug}-{index:05d}"
        email = ""
        if rng.random() < 0.12:
            email = f"{first[0]}.{last}{index}@example.org".lower().replace(" ", "").replace("'", "")
            if not email.isascii():
                email = f"contact{index}@example.org"
        day = date(2026, 11, 20) - timedelta(days=rng.randint(0, 15 * 365))
        result.append([first, last, url, email, company, title, day.strftime("%d %b %Y")])
    result.insert(min(len(result), 40), ["", "", "", "", "", "", "12 Mar 2019"])  # closed profile
    if result:
        result.append(list(result[5]))  # LinkedIn occasionally lists a connection twice
    return result


def connections_csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return PREAMBLE + buffer.getvalue().rstrip("\n")


def _csv(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write_export(folder: Path, rows: int = 600, seed: int = 7) -> Path:
    """Write Connections.csv and the export ZIP into ``folder``; return the ZIP's path."""
    folder.mkdir(parents=True, exist_ok=True)
    text = connections_csv(connections(rows, seed))
    (folder / "Connections.csv").write_text(text, encoding="utf-8", newline="")
    first, last, title, company, email = OWNER
    profile = _csv(
        ["First Name", "Last Name", "Maiden Name", "Address", "Birth Date", "Headline", "Summary",
         "Industry", "Zip Code", "Geo Location", "Twitter Handles", "Websites",
         "Instant Messengers"],
        [[first, last, "", "", "", f"{title} at {company} | B2B growth", "", "Software", "", "Toronto, Ontario, Canada", "", "", ""]],
    )
    positions = _csv(
        ["Company Name", "Title", "Description", "Location", "Started On", "Finished On"],
        [[company, title, "Brand, demand and product marketing.", "Toronto", "Mar 2022", ""],
         ["Northwind Analytics", "Advisory Board Member", "", "Toronto", "Jan 2020", ""],
         ["Contoso Ltd", "Director of Marketing", "", "Toronto", "Jun 2016", "Feb 2022"]],
    )
    emails = _csv(["Email Address", "Confirmed", "Primary", "Updated On"],
                  [[email, "Yes", "Yes", "1/5/24, 10:02 AM"],
                   ["dana@example.net", "Yes", "No", "3/2/19, 8:15 PM"]])
    archive = folder / ZIP_NAME
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, content in (("Connections.csv", text), ("Profile.csv", profile),
                              ("Positions.csv", positions), ("Email Addresses.csv", emails)):
            info = zipfile.ZipInfo(name, date_time=(2026, 11, 20, 9, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            bundle.writestr(info, content)
    return archive


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--rows", type=int, default=600)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(write_export(args.folder, args.rows, args.seed))


if __name__ == "__main__":
    main()
