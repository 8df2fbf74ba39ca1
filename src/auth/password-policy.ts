// Passwords too common to accept; a short list of the most used ones (8+ characters).
const COMMON = `password 12345678 123456789 1234567890 qwertyuiop password1 password123 iloveyou
11111111 00000000 abc12345 qwerty123 1q2w3e4r 1qaz2wsx sunshine princess football baseball
welcome1 trustno1 starwars whatever superman michael1 jennifer dragon123 letmein1 computer
passw0rd p@ssw0rd admin123 administrator changeme qwertyui asdfghjk zxcvbnm1 monkey123
12341234 88888888 87654321 qazwsxedc 123qweasd 123123123 987654321 11223344 internet
master12 shadow12 hogwarts gryffindor slytherin hufflepuff ravenclaw alohomora
expelliarmus`;

const set = new Set(COMMON.split(/\s+/));

/** True for a password on the common list (compared case-insensitively). */
export function isCommonPassword(password: string): boolean {
  return set.has(password.toLowerCase());
}
