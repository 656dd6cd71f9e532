package dev.consentkit.jdbc.internal;

import dev.consentkit.core.LegalBasis;
import dev.consentkit.core.Purpose;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Period;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * How a purpose version's lists are kept in the purpose table's text columns: data categories one per line,
 * texts one locale per line as {@code tag TAB title TAB description}; backslash, tab and line feed inside a
 * value are escaped as {@code \\}, {@code \t} and {@code \n}. Internal API; may change without notice.
 */
final class PurposeColumns {

    private PurposeColumns() {}

    /** Binds the purpose version's eleven columns, in the order of the purpose table, from {@code index}. */
    static void bind(PreparedStatement ps, int index, Purpose p) throws SQLException {
        ps.setString(index, p.id().value());
        ps.setInt(index + 1, p.version());
        ps.setString(index + 2, p.title());
        ps.setString(index + 3, p.description());
        ps.setString(index + 4, p.basis().name());
        ps.setString(index + 5, categories(p));
        ps.setString(index + 6, p.validity().map(Object::toString).orElse(null));
        ps.setInt(index + 7, p.reconsentFromVersion());
        ps.setBoolean(index + 8, p.saleOrShare());
        ps.setBoolean(index + 9, p.directMarketing());
        ps.setString(index + 10, texts(p));
    }

    static String categories(Purpose p) {
        return p.dataCategories().stream().map(PurposeColumns::escape).collect(Collectors.joining("\n"));
    }

    static String texts(Purpose p) {
        return p.texts().entrySet().stream()
                .sorted(Map.Entry.comparingByKey(Comparator.comparing(Locale::toLanguageTag)))
                .map(e ->
                        e.getKey().toLanguageTag() + "\t" + escape(e.getValue().title()) + "\t"
                                + escape(e.getValue().description()))
                .collect(Collectors.joining("\n"));
    }

    static Purpose read(ResultSet rs) throws SQLException {
        Purpose.Builder b = Purpose.builder(rs.getString("purpose_id"))
                .version(rs.getInt("version"))
                .title(rs.getString("title"))
                .description(rs.getString("description"))
                .basis(LegalBasis.valueOf(rs.getString("basis")))
                .reconsentFromVersion(rs.getInt("reconsent_from_version"))
                .saleOrShare(rs.getBoolean("sale_or_share"))
                .directMarketing(rs.getBoolean("direct_marketing"));
        String validity = rs.getString("validity");
        if (validity != null) {
            b.validFor(Period.parse(validity));
        }
        String categories = rs.getString("data_categories");
        if (categories != null && !categories.isEmpty()) {
            List<String> list = new ArrayList<>();
            for (String line : categories.split("\n", -1)) {
                list.add(unescape(line));
            }
            b.dataCategories(list.toArray(String[]::new));
        }
        String texts = rs.getString("texts");
        if (texts != null && !texts.isEmpty()) {
            for (String line : texts.split("\n", -1)) {
                String[] parts = line.split("\t", -1);
                b.text(Locale.forLanguageTag(parts[0]), unescape(parts[1]), unescape(parts[2]));
            }
        }
        return b.build();
    }

    static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n");
    }

    static String unescape(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' && i + 1 < value.length()) {
                char next = value.charAt(++i);
                out.append(next == 't' ? '\t' : next == 'n' ? '\n' : next);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
