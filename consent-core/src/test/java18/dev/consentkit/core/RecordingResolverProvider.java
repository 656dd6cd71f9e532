package dev.consentkit.core;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.net.spi.InetAddressResolverProvider;
import java.util.List;
import java.util.stream.Stream;

/**
 * The name service of the test JVM on JDK 18+ (registered in {@code META-INF/services}): while a
 * {@link NameLookupProbe} runs it records each host name asked for and refuses to resolve it; otherwise it
 * passes every lookup to the built-in resolver.
 */
public final class RecordingResolverProvider extends InetAddressResolverProvider {

    @Override
    public InetAddressResolver get(Configuration configuration) {
        InetAddressResolver builtin = configuration.builtinResolver();
        return new InetAddressResolver() {
            @Override
            public Stream<InetAddress> lookupByName(String host, LookupPolicy lookupPolicy)
                    throws UnknownHostException {
                List<String> recording = NameLookupProbe.recording;
                if (recording != null) {
                    recording.add(host);
                    throw new UnknownHostException("no name resolution in this test");
                }
                return builtin.lookupByName(host, lookupPolicy);
            }

            @Override
            public String lookupByAddress(byte[] addr) throws UnknownHostException {
                return builtin.lookupByAddress(addr);
            }
        };
    }

    @Override
    public String name() {
        return "consentkit-name-lookup-probe";
    }
}
