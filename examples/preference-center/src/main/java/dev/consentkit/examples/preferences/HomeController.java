package dev.consentkit.examples.preferences;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

/** The start page and the sign-in page, which lists the demo users. */
@Controller
class HomeController {

    @GetMapping("/")
    String home(Model model) {
        addDemoUsers(model);
        return "home";
    }

    @GetMapping("/login")
    String login(Model model) {
        addDemoUsers(model);
        return "login";
    }

    private static void addDemoUsers(Model model) {
        model.addAttribute("customers", DemoUsers.SIGN_IN_CUSTOMERS);
        model.addAttribute("marketer", DemoUsers.MARKETER);
        model.addAttribute("auditor", DemoUsers.AUDITOR);
        model.addAttribute("password", DemoUsers.PASSWORD);
    }
}
