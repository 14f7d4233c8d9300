package org.jpymalloc.bench.replay;

/** Just enough JSON writing for the CLI's {@code --json} output: fixed key order, escaped strings. */
final class JsonWriter {

    private final StringBuilder out = new StringBuilder(1 << 14);
    private boolean first = true;

    JsonWriter open(char bracket) {
        comma();
        out.append(bracket);
        first = true;
        return this;
    }

    JsonWriter close(char bracket) {
        out.append(bracket);
        first = false;
        return this;
    }

    JsonWriter key(String name) {
        comma();
        string(name);
        out.append(':');
        first = true; // the value follows without a comma
        return this;
    }

    JsonWriter value(String text) {
        comma();
        if (text == null) {
            out.append("null");
        } else {
            string(text);
        }
        return this;
    }

    JsonWriter value(long number) {
        comma();
        out.append(number);
        return this;
    }

    JsonWriter value(double number) {
        comma();
        out.append(Double.isFinite(number) ? String.format(java.util.Locale.ROOT, "%.4f", number) : "null");
        return this;
    }

    /** Raw JSON produced elsewhere (e.g. {@code MallocStats.toJson()}). */
    JsonWriter raw(String json) {
        comma();
        out.append(json.strip());
        return this;
    }

    JsonWriter values(long[] numbers) {
        open('[');
        for (long n : numbers) {
            value(n);
        }
        return close(']');
    }

    JsonWriter values(int[] numbers) {
        open('[');
        for (int n : numbers) {
            value(n);
        }
        return close(']');
    }

    JsonWriter field(String name, String text) {
        return key(name).value(text);
    }

    JsonWriter field(String name, long number) {
        return key(name).value(number);
    }

    JsonWriter field(String name, double number) {
        return key(name).value(number);
    }

    private void comma() {
        if (!first) {
            out.append(',');
        }
        first = false;
    }

    private void string(String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                case '\r' -> out.append("\\r");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
