import Testing
@Test func placeholderSIPAuth() {}
