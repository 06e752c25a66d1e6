package greetlib;

/** A library class the zip carries in lib/greetlib.jar, as AWS's layout has it. */
public final class Words {
    private Words() {
    }

    public static String hello(String name) {
        return "Hello, " + name + "!";
    }
}
