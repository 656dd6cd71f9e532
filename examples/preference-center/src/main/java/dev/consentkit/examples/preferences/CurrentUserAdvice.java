package dev.consentkit.examples.preferences;

import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ModelAttribute;

/** Tells every page who is signed in, for the header. */
@ControllerAdvice
class CurrentUserAdvice {

    @ModelAttribute
    void currentUser(Model model) {
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        boolean signedIn = auth != null && auth.isAuthenticated() && !(auth instanceof AnonymousAuthenticationToken);
        model.addAttribute("signedIn", signedIn);
        model.addAttribute("userName", signedIn ? auth.getName() : null);
    }
}
