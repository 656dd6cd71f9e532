package dev.consentkit.core.internal;

import java.time.Instant;
import java.time.LocalDate;

/**
 * Formats instants exactly as {@link Instant#toString()} does (ISO-8601, UTC, fraction in groups of three
 * digits, none when zero) without going through {@code DateTimeFormatter}, which is a large part of hashing or
 * exporting an entry with its three timestamps. Years outside 0000–9999 fall back to {@code Instant.toString()}.
 * Internal: used by the chain encoding and the exports.
 */
public final class IsoInstants {

    private static final long SECONDS_PER_DAY = 86_400;

    private IsoInstants() {}

    /** {@code instant.toString()}, faster. */
    public static String format(Instant instant) {
        long seconds = instant.getEpochSecond();
        long day = Math.floorDiv(seconds, SECONDS_PER_DAY);
        int secondOfDay = (int) Math.floorMod(seconds, SECONDS_PER_DAY);
        LocalDate date;
        try {
            date = LocalDate.ofEpochDay(day);
        } catch (java.time.DateTimeException e) {
            return instant.toString();
        }
        int year = date.getYear();
        if (year < 0 || year > 9999) {
            return instant.toString();
        }
        int nanos = instant.getNano();
        int fractionDigits = nanos == 0 ? 0 : nanos % 1_000_000 == 0 ? 3 : nanos % 1000 == 0 ? 6 : 9;
        char[] out = new char[20 + (fractionDigits == 0 ? 0 : fractionDigits + 1)];
        digits(out, 0, year, 4);
        out[4] = '-';
        digits(out, 5, date.getMonthValue(), 2);
        out[7] = '-';
        digits(out, 8, date.getDayOfMonth(), 2);
        out[10] = 'T';
        digits(out, 11, secondOfDay / 3600, 2);
        out[13] = ':';
        digits(out, 14, secondOfDay / 60 % 60, 2);
        out[16] = ':';
        digits(out, 17, secondOfDay % 60, 2);
        int at = 19;
        if (fractionDigits > 0) {
            out[at++] = '.';
            int value = fractionDigits == 3 ? nanos / 1_000_000 : fractionDigits == 6 ? nanos / 1000 : nanos;
            digits(out, at, value, fractionDigits);
            at += fractionDigits;
        }
        out[at] = 'Z';
        return new String(out);
    }

    private static void digits(char[] out, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            out[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }
}
