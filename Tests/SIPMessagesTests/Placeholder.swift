import Testing
@Test func placeholderSIPMessages() {}
