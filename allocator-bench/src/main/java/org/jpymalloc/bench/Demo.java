package org.jpymalloc.bench;

public final class Demo {
    private Demo() {
    }

    public static void main(String[] args) {
        throw new UnsupportedOperationException("not yet");
    }
}
