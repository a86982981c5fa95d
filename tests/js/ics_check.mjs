// Parse .ics files with Mozilla's ical.js (Thunderbird's parser) and print what it sees as JSON:
// one object per file with its METHOD and, per VEVENT, the zone of DTSTART, the start in UTC
// (seconds) and every occurrence of its recurrence (EXDATEs applied), for the Python tests.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const LIMIT = 500;

function attendees(vevent) {
  return vevent.getAllProperties("attendee").map((p) => ({
    value: p.getFirstValue(),
    cn: p.getParameter("cn") ?? null,
    partstat: p.getParameter("partstat") ?? null,
    rsvp: p.getParameter("rsvp") ?? null,
    role: p.getParameter("role") ?? null,
  }));
}

function describe(vevent) {
  const event = new ICAL.Event(vevent);
  const start = event.startDate;
  const occurrences = [];
  const iterator = event.iterator();
  for (let next = iterator.next(); next && occurrences.length < LIMIT; next = iterator.next()) {
    occurrences.push(next.toUnixTime());
  }
  const organizer = vevent.getFirstProperty("organizer");
  return {
    uid: event.uid,
    summary: event.summary,
    description: event.description,
    location: event.location,
    status: vevent.getFirstPropertyValue("status"),
    sequence: event.sequence,
    organizer: organizer ? organizer.getFirstValue() : null,
    organizer_cn: organizer ? organizer.getParameter("cn") ?? null : null,
    attendees: attendees(vevent),
    tzid: start.zone ? start.zone.tzid : null,
    floating: start.zone === ICAL.Timezone.localTimezone,
    start_utc: start.toUnixTime(),
    end_utc: event.endDate.toUnixTime(),
    recurring: event.isRecurring(),
    occurrences,
    alarms: vevent.getAllSubcomponents("valarm").map((a) => a.getFirstPropertyValue("trigger").toString()),
  };
}

const results = process.argv.slice(2).map((file) => {
  const calendar = new ICAL.Component(ICAL.parse(readFileSync(file, "utf8")));
  for (const zone of calendar.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(zone);
  }
  const events = calendar.getAllSubcomponents("vevent").map(describe);
  for (const zone of calendar.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.remove(zone.getFirstPropertyValue("tzid"));
  }
  return { file, method: calendar.getFirstPropertyValue("method"), events };
});
process.stdout.write(JSON.stringify(results));
