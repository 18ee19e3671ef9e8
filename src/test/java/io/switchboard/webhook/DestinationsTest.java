package io.switchboard.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Which addresses a webhook may not reach (#27, SSRF): internal IPv4 ranges, and the IPv6 forms that carry an
 * IPv4 address inside them — IPv4-mapped and -compatible, NAT64 (64:ff9b::/96, and the local-use 64:ff9b:1::/48
 * as a whole) and 6to4 (2002::/16) — judged by the address they carry. (NAT64 and 6to4 forms of 127.0.0.1 and
 * 10.0.0.1 were let through.)
 */
class DestinationsTest {

    @ParameterizedTest(name = "{0} internal: {1}")
    @CsvSource({
            "127.0.0.1, true", "10.1.2.3, true", "169.254.169.254, true", "100.64.0.1, true", "192.168.1.1, true",
            "93.184.216.34, false", "::1, true", "fe80::1, true", "fd00::1, true", "2606:4700:4700::1111, false",
            "::ffff:127.0.0.1, true", "::ffff:93.184.216.34, false", "::127.0.0.1, true", "::10.0.0.1, true",
            "64:ff9b::7f00:1, true", "64:ff9b::a00:1, true", "64:ff9b::a9fe:a9fe, true", "64:ff9b::5db8:d822, false",
            "64:ff9b:1::5db8:d822, true",
            "2002:7f00:1::1, true", "2002:a00:1::1, true", "2002:c0a8:101::1, true", "2002:5db8:d822::1, false" })
    void internalAddressesAndTheIpv6FormsThatCarryThemAreRefused(String address, boolean internal) throws Exception {
        assertEquals(internal, Destinations.internal(InetAddress.getByName(address)), address);
    }
}
