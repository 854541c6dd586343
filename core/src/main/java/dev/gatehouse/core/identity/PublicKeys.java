package dev.gatehouse.core.identity;

import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.List;

/** Public keys in PEM form ({@code -----BEGIN PUBLIC KEY-----}, X.509 SubjectPublicKeyInfo), as JWT verification takes them. */
public final class PublicKeys {
    private PublicKeys() {
    }

    /** An RSA or EC public key; throws with the reason when {@code pem} is neither. */
    public static PublicKey parse(String pem) {
        if (pem.contains("PRIVATE KEY")) {
            throw new IllegalArgumentException("is a private key; give the public one (openssl pkey -pubout)");
        }
        String base64 = pem.replaceAll("-----(BEGIN|END) PUBLIC KEY-----", "").replaceAll("\\s", "");
        byte[] der;
        try {
            der = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("is not a PEM public key (-----BEGIN PUBLIC KEY----- and base64)");
        }
        for (String type : List.of("RSA", "EC")) {
            try {
                return KeyFactory.getInstance(type).generatePublic(new X509EncodedKeySpec(der));
            } catch (InvalidKeySpecException | java.security.NoSuchAlgorithmException e) {
                // try the next key type
            }
        }
        throw new IllegalArgumentException("is not an RSA or EC public key in PEM form");
    }

    /** The JWT algorithms a key of this type can verify: RS and PS for RSA, ES for EC. */
    public static boolean fits(PublicKey key, String algorithm) {
        return key.getAlgorithm().equals("RSA") ? algorithm.startsWith("RS") || algorithm.startsWith("PS") : algorithm.startsWith("ES");
    }
}
