package vpcsim.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The handler named by $_HANDLER, "package.Class::method" or
 * "package.Class" (a RequestHandler or RequestStreamHandler), loaded as
 * AWS's Java client loads it: a class it cannot find, a method of no
 * usable shape, a class of neither interface are faults reported on each
 * invoke; a class whose loading or constructor throws fails the init.
 */
final class HandlerLoader {
    private HandlerLoader() {
    }

    static Invoker load(String handler, ClassLoader loader) {
        int colon = handler.lastIndexOf("::");
        String className = colon < 0 ? handler : handler.substring(0, colon);
        String method = colon < 0 ? null : handler.substring(colon + 2);
        if (className.isEmpty() || (method != null && method.isEmpty())) {
            return Invoker.failing(Fault.of("Invalid handler: `" + handler + "'"));
        }
        Class<?> clazz;
        try {
            clazz = Class.forName(className, true, loader);
        } catch (ClassNotFoundException e) {
            return Invoker.failing(Fault.classNotFound(e, className));
        } catch (NoClassDefFoundError e) {
            return Invoker.failing(Fault.initError(e, className));
        } catch (Throwable t) {
            throw Fault.initError(t, className);
        }
        if (method != null) {
            return byMethod(clazz, method);
        }
        if (RequestStreamHandler.class.isAssignableFrom(clazz)) {
            return byMethod(clazz, "handleRequest");
        }
        if (RequestHandler.class.isAssignableFrom(clazz)) {
            return byMethod(clazz, "handleRequest");
        }
        return Invoker.failing(Fault.of("Class does not implement an appropriate handler "
                + "interface: " + clazz.getName()));
    }

    private static boolean endsWithContext(Class<?>[] p) {
        return p.length > 0 && p[p.length - 1] == Context.class;
    }

    /** AWS's order among overloads: real methods before bridges, then the
     * longer signature, one ending in Context counting one more. */
    private static final Comparator<Method> PRIORITY = Comparator
            .comparing(Method::isBridge)
            .thenComparing(m -> -(m.getParameterCount()
                    + (endsWithContext(m.getParameterTypes()) ? 1 : 0)));

    private static Invoker byMethod(Class<?> clazz, String name) {
        List<Method> found = new ArrayList<>();
        try {
            for (Method m : clazz.getMethods()) {
                if (m.getName().equals(name)) {
                    found.add(m);
                }
            }
        } catch (NoClassDefFoundError e) {
            return Invoker.failing(new Fault("Error loading method " + name + " on class "
                    + clazz.getName(), e.getClass().getName(), Fault.trace(e), false));
        }
        found.sort(PRIORITY);
        for (Method m : found) {
            Invoker inv = shaped(clazz, m);
            if (inv != null) {
                return inv;
            }
        }
        return Invoker.failing(Fault.of("No public method named " + name
                + " with appropriate method signature found on class " + clazz.getName()));
    }

    /** An invoker for one overload, or null when its parameters fit no shape. */
    private static Invoker shaped(Class<?> clazz, Method m) {
        Class<?>[] p = m.getParameterTypes();
        Type[] g = m.getGenericParameterTypes();
        boolean ctx = endsWithContext(p);
        int n = p.length - (ctx ? 1 : 0);
        if (n > 2 || (n == 2 && !(p[0] == InputStream.class && p[1] == OutputStream.class))) {
            return null;
        }
        boolean in = n >= 1 && p[0] == InputStream.class;
        boolean out = (n == 2) || (n == 1 && p[0] == OutputStream.class);
        if (p.length == 3 && !ctx) {
            return null;
        }
        if (n == 1 && p[0] == Context.class) {
            return null;
        }
        Type event = n == 1 && !in && !out ? g[0] : null;
        try {
            return new Invoker.MethodCall(m, target(clazz, m), event, in, out, ctx);
        } catch (Fault f) {
            if (f.fatal) {
                throw f;
            }
            return Invoker.failing(f);
        } catch (RuntimeException | LinkageError e) {
            return Invoker.failing(Fault.of(e, false)); // a type Jackson cannot handle
        }
    }

    /** The instance a non-static handler method runs on, made once at init. */
    private static Object target(Class<?> clazz, Method m) {
        if (Modifier.isStatic(m.getModifiers())) {
            return null;
        }
        Constructor<?> c;
        try {
            c = clazz.getConstructor();
        } catch (NoSuchMethodException e) {
            String why = clazz.getEnclosingClass() != null && !Modifier.isStatic(clazz.getModifiers())
                    ? " cannot be instantiated because it is a non-static inner class"
                    : " has no public zero-argument constructor";
            throw Fault.of(new Exception("Class " + clazz.getName() + why, e), false);
        }
        try {
            return c.newInstance();
        } catch (InvocationTargetException e) {
            throw Fault.of(e.getCause() == null ? e : e.getCause(), true);
        } catch (ReflectiveOperationException e) {
            throw Fault.of(e, true);
        }
    }
}
