package example;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.List;

/**
 * The function of examples/java/java.json: a Java handler as AWS's docs
 * write one (a RequestHandler of POJOs), in a VPC, reporting what its ENI
 * lets it reach, as the same jar would on Lambda.
 */
public class Orders implements RequestHandler<Orders.Order, Orders.Receipt> {
    private static int invocations; // kept while the environment stays warm

    public static class Line {
        public String sku;
        public int quantity;
        public BigDecimal price;
    }

    public static class Order {
        public int order;
        public List<Line> lines;
    }

    public static class Receipt {
        public int order;
        public BigDecimal total;
        public int invocations;
        public String db;
        public String internet;
    }

    /** open, refused or timeout: one TCP connection attempt. */
    static String reach(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 1000);
            return "open";
        } catch (SocketTimeoutException e) {
            return "timeout";
        } catch (ConnectException e) {
            return "refused";
        } catch (IOException e) {
            return "error: " + e.getMessage();
        }
    }

    @Override
    public Receipt handleRequest(Order in, Context context) {
        LambdaLogger log = context.getLogger();
        Receipt r = new Receipt();
        r.order = in.order;
        r.total = BigDecimal.ZERO;
        if (in.lines != null) {
            for (Line l : in.lines) {
                r.total = r.total.add(l.price.multiply(BigDecimal.valueOf(l.quantity)));
            }
        }
        r.invocations = ++invocations;
        log.log("order " + in.order + " in " + context.getFunctionName() + ", invocation " + invocations);
        r.db = reach(System.getenv("DB_HOST"), 5432);
        r.internet = reach("203.0.113.10", 443);
        return r;
    }
}
