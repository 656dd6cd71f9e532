package dev.consentkit.examples.preferences;

import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.HistoryQuery;
import dev.consentkit.core.VerificationReport;
import dev.consentkit.export.AuditExporter;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * The auditor's page: the result of recomputing every hash chain, and the whole audit log as CSV or JSON Lines,
 * streamed from the store to the response (constant memory however long the log).
 */
@Controller
class AuditController {

    private final ConsentManager consents;

    AuditController(ConsentManager consents) {
        this.consents = consents;
    }

    @GetMapping("/audit")
    String audit(Model model) {
        VerificationReport report = consents.verify();
        model.addAttribute("report", report);
        model.addAttribute(
                "verifiedAt", PreferencesController.WHEN.format(consents.clock().instant()));
        return "audit";
    }

    @GetMapping("/audit/export.csv")
    ResponseEntity<StreamingResponseBody> csv() {
        AuditExporter exporter = AuditExporter.of(consents);
        return download(
                "csv",
                MediaType.parseMediaType("text/csv;charset=UTF-8"),
                out -> exporter.writeCsv(HistoryQuery.all(), out));
    }

    @GetMapping("/audit/export.jsonl")
    ResponseEntity<StreamingResponseBody> jsonLines() {
        AuditExporter exporter = AuditExporter.of(consents);
        return download(
                "jsonl",
                MediaType.parseMediaType("application/jsonl;charset=UTF-8"),
                out -> exporter.writeJsonLines(HistoryQuery.all(), out));
    }

    private ResponseEntity<StreamingResponseBody> download(
            String extension, MediaType type, StreamingResponseBody body) {
        String name = "consentkit-audit-" + LocalDate.now(ZoneOffset.UTC) + "." + extension;
        return ResponseEntity.ok()
                .contentType(type)
                .header(
                        HttpHeaders.CONTENT_DISPOSITION,
                        ContentDisposition.attachment().filename(name).build().toString())
                .body(body);
    }
}
