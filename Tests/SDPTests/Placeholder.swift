import Testing
@Test func placeholderSDP() {}
