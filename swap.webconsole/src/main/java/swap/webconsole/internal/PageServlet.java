package swap.webconsole.internal;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.apache.felix.webconsole.servlet.AbstractServlet;

/**
 * One page of the console as a Web Console plug-in (webconsole 5's servlet form: the console draws
 * its frame and calls {@link #renderContent}). A GET with an {@code action} parameter shows that
 * action's confirmation page instead of the content; a POST performs it only with that page's token
 * ({@link Confirmations}) and its {@code confirmed=yes} box ticked, then shows the result above the page. Any request thread
 * calls it; it keeps no state of its own.
 */
final class PageServlet extends AbstractServlet {
    private static final long serialVersionUID = 1L;
    private static final String RESULT = PageServlet.class.getName() + ".result";
    /** The console's reset style sheet flattens headings and paragraphs: a little spacing back (no file to fetch). */
    private static final String STYLE = "<style>.swap-page h3{font-weight:bold;font-size:1.1em;margin:12px 0 4px}.swap-page p{margin:6px 0}"
            + ".swap-page form.swap-action{display:inline-block;margin:1px 4px 1px 0}.swap-confirm{border:1px solid #999;padding:8px;margin:8px 0}</style>";

    private final transient Page page;
    private final transient Platform platform;
    private final transient Confirmations confirmations;

    PageServlet(Page page, Platform platform, Confirmations confirmations) {
        this.page = page;
        this.platform = platform;
        this.confirmations = confirmations;
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        // Nothing written here: the console then draws the page, and renderContent shows the result.
        req.setAttribute(RESULT, act(parameters(req), platform, confirmations));
    }

    /** Performs a confirmed action; the HTML of its result or refusal. */
    static String act(Map<String, String> form, Platform platform, Confirmations confirmations) {
        try {
            Actions.Request r = Actions.parse(form);
            if (!confirmations.valid(r, form.get("token"))) {
                return Pages.refused("this " + r.action + " was not asked for on the confirmation page of this console (or the console restarted since): "
                        + "choose the action again and confirm it there.");
            }
            if (!"yes".equals(form.get("confirmed"))) {
                return Pages.refused("not confirmed: tick \"I confirm\" on the confirmation page to " + r.action + ".");
            }
            Actions.Outcome o = Actions.perform(r, platform.manager(), platform.upgrades());
            return Pages.result(o.ok, o.text);
        } catch (Refusal e) {
            return Pages.refused(e.getMessage());
        } catch (RuntimeException e) {
            return Pages.refused("the action failed: " + e);
        }
    }

    @Override
    public void renderContent(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.getWriter().write(render(req.getMethod(), parameters(req), (String) req.getAttribute(RESULT)));
    }

    /** The content of the page for a request: a result on top, then the confirmation page or the page itself. */
    String render(String method, Map<String, String> params, String result) {
        StringBuilder b = new StringBuilder(STYLE).append("<div class=\"swap-page\" id=\"swap-page-").append(page.label).append("\">");
        if (result != null) {
            b.append(result);
        }
        if (result == null && "GET".equals(method) && params.get("action") != null) {
            try {
                Actions.Request r = Actions.parse(params);
                b.append(Pages.confirm(r, confirmations.token(r)));
            } catch (Refusal e) {
                b.append(Pages.refused(e.getMessage()));
            }
        } else {
            try {
                b.append(page.content(platform, params));
            } catch (RuntimeException e) {
                b.append(Pages.refused("this page could not be drawn: " + e));
            }
        }
        return b.append("</div>").toString();
    }

    private static Map<String, String> parameters(HttpServletRequest req) {
        Map<String, String> m = new LinkedHashMap<>();
        req.getParameterMap().forEach((k, v) -> {
            if (v != null && v.length > 0) {
                m.put(k, v[v.length - 1]); // a field given twice: the last one (the confirmation page's editable window)
            }
        });
        return m;
    }
}
