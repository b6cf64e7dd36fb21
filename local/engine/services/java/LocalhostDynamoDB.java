import java.lang.reflect.Field;
import java.lang.reflect.Method;

/**
 * Starts Amazon DynamoDB Local bound to 127.0.0.1 (it binds every interface and has no
 * option for it) and exits when its parent process dies (its stdin closes).
 *
 * Everything is reached by reflection, so this file compiles without DynamoDB Local on the
 * class path. `-port 0` picks a free port. Prints "LOCAL_DYNAMODB_PORT=<port>" once it listens.
 */
public final class LocalhostDynamoDB {
  public static void main(String[] args) throws Exception {
    Thread watchdog = new Thread(() -> {
      try {
        while (System.in.read() != -1) {
          // the parent never writes: any byte is ignored, end of stream ends the server
        }
      } catch (Exception ignored) {
        // a broken pipe means the parent is gone as well
      }
      System.exit(0);
    }, "parent-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();

    // DynamoDB Local refuses port 0: pick a free loopback port for it.
    for (int i = 0; i + 1 < args.length; i++) {
      if ("-port".equals(args[i]) && "0".equals(args[i + 1])) {
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
          args[i + 1] = Integer.toString(probe.getLocalPort());
        }
      }
    }

    Class<?> runner = Class.forName("software.amazon.dynamodb.services.local.main.ServerRunner");
    Method create = runner.getMethod("createServerFromCommandLineArgs", String[].class);
    Object proxy = create.invoke(null, (Object) args);
    Field serverField = proxy.getClass().getDeclaredField("server");
    serverField.setAccessible(true);
    Object jetty = serverField.get(proxy);
    Object[] connectors = (Object[]) jetty.getClass().getMethod("getConnectors").invoke(jetty);
    for (Object connector : connectors) {
      connector.getClass().getMethod("setHost", String.class).invoke(connector, "127.0.0.1");
    }
    proxy.getClass().getMethod("start").invoke(proxy);
    for (Object connector : connectors) {
      Object port = connector.getClass().getMethod("getLocalPort").invoke(connector);
      System.out.println("LOCAL_DYNAMODB_PORT=" + port);
    }
    System.out.flush();
  }
}
