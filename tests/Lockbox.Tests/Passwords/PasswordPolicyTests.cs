using Lockbox.Vault.Client;
using Xunit;

namespace Lockbox.Tests.Passwords;

public class PasswordPolicyTests
{
    [Theory]
    [InlineData("password1")]
    [InlineData("qwertyuiop")]
    [InlineData("aaaaaaaa")]
    public void A_guessable_password_is_weak_and_the_warning_says_why(string password)
    {
        var strength = PasswordPolicy.Assess(password);

        Assert.True(strength.IsWeak);
        Assert.NotEmpty(strength.Feedback);
        Assert.Contains("guess it offline", strength.Warning, StringComparison.Ordinal);
        Assert.DoesNotContain(password, strength.Warning, StringComparison.Ordinal);
    }

    [Fact]
    public void A_long_phrase_of_unrelated_words_is_not_weak() =>
        Assert.Null(PasswordPolicy.Assess("violet tractor unzip lagoon harbour").Warning);

    [Theory]
    [InlineData("abcdef", true)]
    [InlineData("12345\u00e9", true)]
    [InlineData("\u4f60\u597d\u4e16\u754c\u670b\u53cb", true)] // six CJK letters
    [InlineData("abcde", false)]
    [InlineData("123456789", false)]
    [InlineData("!!!!!!!!", false)]
    [InlineData("e\u0301e\u0301e\u0301", false)] // three code points after NFC
    public void The_floor_is_six_code_points_after_NFC_with_a_letter(string password, bool settable)
    {
        if (settable)
        {
            PasswordPolicy.RequireSettable(password);
        }
        else
        {
            Assert.Throws<WeakPasswordException>(() => PasswordPolicy.RequireSettable(password));
        }
    }
}
