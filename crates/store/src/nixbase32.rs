//! Nix's base-32 encoding, the one of store path hashes and of `sha256:1b8m...` hashes.
//!
//! The alphabet leaves out `e`, `o`, `u` and `t`, and the digits are written from the last
//! five-bit group to the first, so the encoding is not RFC 4648's. This module only converts
//! bytes and text; it knows nothing of hash types.

/// The 32 digits, in value order.
pub const ALPHABET: &[u8; 32] = b"0123456789abcdfghijklmnpqrsvwxyz";

/// The length of the encoding of `n` bytes.
pub const fn encoded_len(n: usize) -> usize {
    (n * 8).div_ceil(5)
}

/// Encodes bytes as Nix does (`printHash32`).
pub fn encode(bytes: &[u8]) -> String {
    let len = encoded_len(bytes.len());
    let mut s = String::with_capacity(len);
    for n in (0..len).rev() {
        let b = n * 5;
        let (i, j) = (b / 8, b % 8);
        let lo = u16::from(bytes[i]) >> j;
        let hi = match bytes.get(i + 1) {
            Some(&next) => u16::from(next) << (8 - j),
            None => 0,
        };
        s.push(ALPHABET[usize::from((lo | hi) & 0x1f)] as char);
    }
    s
}

/// The value of each byte as a digit, or `0xff`.
const DIGIT_VALUES: [u8; 256] = {
    let mut table = [0xffu8; 256];
    let mut i = 0;
    while i < 32 {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// The value of one digit, if it is one.
pub fn digit_value(c: u8) -> Option<u8> {
    match DIGIT_VALUES[usize::from(c)] {
        0xff => None,
        v => Some(v),
    }
}

/// Decodes text made by `encode` into `out_len` bytes. Fails on a character outside the
/// alphabet, on a length that is not `encoded_len(out_len)`, and on bits set past the end, as
/// Nix's parser does.
pub fn decode(text: &str, out_len: usize) -> Option<Vec<u8>> {
    let text = text.as_bytes();
    if text.len() != encoded_len(out_len) || out_len == 0 {
        return None;
    }
    let mut out = vec![0u8; out_len];
    for (n, &c) in text.iter().rev().enumerate() {
        let digit = digit_value(c)?;
        let b = n * 5;
        let (i, j) = (b / 8, b % 8);
        out[i] |= digit << j;
        let carry = u16::from(digit) >> (8 - j);
        if i + 1 < out_len {
            out[i + 1] |= carry as u8;
        } else if carry != 0 {
            return None;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_as_nix_does() {
        // `nix-hash --type sha256 --to-base32 <hex>` for the sha256 of "hello".
        let hex = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
        let bytes: Vec<u8> = (0..32)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        assert_eq!(
            encode(&bytes),
            "094qif9n4cq4fdg459qzbhg1c6wywawwaaivx0k0x8xhbyx4vwic"
        );
        assert_eq!(decode(&encode(&bytes), 32).unwrap(), bytes);
    }

    #[test]
    fn round_trips_every_length() {
        for len in 1..=64usize {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let text = encode(&bytes);
            assert_eq!(text.len(), encoded_len(len));
            assert_eq!(decode(&text, len).as_deref(), Some(&bytes[..]));
        }
    }

    #[test]
    fn rejects_bad_text() {
        assert_eq!(decode("e000000000000000000000000000000z", 20), None);
        assert_eq!(decode("0000", 20), None);
        // 32 digits carry 160 bits exactly; 52 digits carry 260 bits for 256, so the first
        // digit may only use its lowest bit.
        let ok = "1".to_string() + &"0".repeat(51);
        assert!(decode(&ok, 32).is_some());
        let overflow = "2".to_string() + &"0".repeat(51);
        assert_eq!(decode(&overflow, 32), None);
    }
}
