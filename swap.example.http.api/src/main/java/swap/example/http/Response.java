package swap.example.http;

/**
 * What a {@link RequestHandler} answers: an HTTP status and a text body.
 *
 * @param status the HTTP status code (200, or 429 when rate limited)
 * @param body the text body (UTF-8 on the wire)
 */
public record Response(int status, String body) {
}
