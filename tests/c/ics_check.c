/* Parse .ics files with libical (Evolution's parser) and print what it sees, one fact a line:
 *   FILE <path> <METHOD> errors=<parse errors> restrictions=<ok|failed>
 *   EVENT <uid> tzid=<TZID or -> start=<UTC seconds> attendees=<n> status=<STATUS>
 *   OCCURRENCE <uid> <UTC seconds>        (recurrences expanded, EXDATEs applied)
 *   ERROR <text>                          (X-LIC-ERROR from parsing or iTIP restrictions)
 * For tests/test_calendar_clients.py; built by its fixture with gcc and pkg-config libical. */
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)size + 1);
    size_t got = fread(text, 1, (size_t)size, f);
    text[got] = '\0';
    fclose(f);
    return text;
}

static void print_occurrence(icalcomponent *comp, struct icaltime_span *span, void *data) {
    (void)comp;
    printf("OCCURRENCE %s %lld\n", (const char *)data, (long long)span->start);
}

static void print_errors(icalcomponent *comp) {
    for (icalproperty *p = icalcomponent_get_first_property(comp, ICAL_XLICERROR_PROPERTY); p;
         p = icalcomponent_get_next_property(comp, ICAL_XLICERROR_PROPERTY)) {
        printf("ERROR %s\n", icalproperty_get_xlicerror(p));
    }
    for (icalcomponent *c = icalcomponent_get_first_component(comp, ICAL_ANY_COMPONENT); c;
         c = icalcomponent_get_next_component(comp, ICAL_ANY_COMPONENT)) {
        print_errors(c);
    }
}

static void print_event(icalcomponent *event) {
    const char *uid = icalcomponent_get_uid(event);
    struct icaltimetype start = icalcomponent_get_dtstart(event);
    icalproperty *dtstart = icalcomponent_get_first_property(event, ICAL_DTSTART_PROPERTY);
    icalparameter *tzid = dtstart ? icalproperty_get_first_parameter(dtstart, ICAL_TZID_PARAMETER)
                                  : NULL;
    int attendees = icalcomponent_count_properties(event, ICAL_ATTENDEE_PROPERTY);
    icalproperty *status = icalcomponent_get_first_property(event, ICAL_STATUS_PROPERTY);
    printf("EVENT %s tzid=%s zone=%s start=%lld attendees=%d status=%s\n", uid ? uid : "-",
           tzid ? icalparameter_get_tzid(tzid) : "-",
           start.zone ? icaltimezone_get_tzid((icaltimezone *)start.zone) : (icaltime_is_utc(start) ? "UTC" : "-"),
           (long long)icaltime_as_timet_with_zone(start, start.zone), attendees,
           status ? icalproperty_get_value_as_string(status) : "-");
    struct icaltimetype from = icaltime_from_timet_with_zone(0, 0, icaltimezone_get_utc_timezone());
    struct icaltimetype until = icaltime_from_timet_with_zone(4102444800LL, 0,
                                                              icaltimezone_get_utc_timezone());
    icalcomponent_foreach_recurrence(event, from, until, print_occurrence, (void *)uid);
}

int main(int argc, char **argv) {
    int failed = 0;
    for (int i = 1; i < argc; i++) {
        char *text = read_file(argv[i]);
        icalcomponent *calendar = text ? icalparser_parse_string(text) : NULL;
        free(text);
        if (!calendar) {
            printf("FILE %s UNPARSED\n", argv[i]);
            failed = 1;
            continue;
        }
        int errors = icalcomponent_count_errors(calendar);
        icalproperty *method = icalcomponent_get_first_property(calendar, ICAL_METHOD_PROPERTY);
        int restricted = icalrestriction_check(calendar);
        printf("FILE %s %s errors=%d restrictions=%s\n", argv[i],
               method ? icalproperty_get_value_as_string(method) : "-", errors,
               restricted ? "ok" : "failed");
        print_errors(calendar);
        for (icalcomponent *event = icalcomponent_get_first_component(calendar, ICAL_VEVENT_COMPONENT);
             event; event = icalcomponent_get_next_component(calendar, ICAL_VEVENT_COMPONENT)) {
            print_event(event);
        }
        icalcomponent_free(calendar);
    }
    return failed;
}
