package swap.webconsole.internal;

import org.owasp.encoder.Encode;

/**
 * Escaping for every piece of text the pages write: element content, attribute values and URL query
 * components, through the OWASP encoder. {@code null} is written as a dash. Stateless.
 */
final class Html {
    private Html() {
    }

    /** {@code o} as HTML element content. */
    static String text(Object o) {
        return o == null ? "-" : Encode.forHtml(String.valueOf(o));
    }

    /** {@code o} as a quoted attribute value (the caller writes the quotes). */
    static String attr(Object o) {
        return o == null ? "" : Encode.forHtmlAttribute(String.valueOf(o));
    }

    /** {@code o} as one component of a URL's query. */
    static String query(Object o) {
        return o == null ? "" : Encode.forUriComponent(String.valueOf(o));
    }

    /** A hidden form field. */
    static String hidden(String name, Object value) {
        return "<input type=\"hidden\" name=\"" + attr(name) + "\" value=\"" + attr(value) + "\">";
    }
}
