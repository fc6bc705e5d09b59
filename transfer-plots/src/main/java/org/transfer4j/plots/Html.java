package org.transfer4j.plots;

/** Escaping for HTML and XML text and attribute values. */
final class Html {

    private Html() {
    }

    static String escape(String text) {
        StringBuilder sb = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                case '\t', '\n', '\r' -> sb.append(c);
                default -> sb.append(c < 0x20 || c == 0x7F ? '\uFFFD' : c); // control characters are not XML

            }
        }
        return sb.toString();
    }
}
