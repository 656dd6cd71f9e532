package dev.consentkit.examples.preferences;

import java.util.List;

/** The ids of the purposes the demo declares in application.yml. */
final class Purposes {

    static final String NEWSLETTER = "marketing.email.newsletter";
    static final String ANALYTICS = "analytics";
    static final String AD_PARTNER = "ads.partner";

    /** The order the preference centre shows them in. */
    static final List<String> DISPLAY_ORDER = List.of(NEWSLETTER, ANALYTICS, AD_PARTNER);

    private Purposes() {}
}
