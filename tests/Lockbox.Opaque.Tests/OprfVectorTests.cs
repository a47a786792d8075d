using Lockbox.Opaque.Group;
using Lockbox.Opaque.Oprf;
using Xunit;

namespace Lockbox.Opaque.Tests;

public class OprfVectorTests
{
    public static TheoryData<string> OprfModeVectors()
    {
        var data = new TheoryData<string>();
        using var doc = TestVectors.Load("rfc9497-oprf-ristretto255-vectors.json");
        foreach (var mode in doc.RootElement.GetProperty("modes").EnumerateArray())
        {
            if (mode.GetProperty("mode").GetString() == "OPRF Mode")
            {
                foreach (var vector in mode.GetProperty("vectors").EnumerateArray())
                {
                    data.Add(vector.GetProperty("id").GetString()!);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(OprfModeVectors))]
    public void Oprf_mode_reproduces_RFC9497_vector(string id)
    {
        using var doc = TestVectors.Load("rfc9497-oprf-ristretto255-vectors.json");
        var mode = doc.RootElement.GetProperty("modes").EnumerateArray().Single(m => m.GetProperty("mode").GetString() == "OPRF Mode");
        var parameters = mode.GetProperty("params");
        var vector = mode.GetProperty("vectors").EnumerateArray().Single(v => v.GetProperty("id").GetString() == id);

        byte[] privateKey = new byte[32];
        OprfSuite.DeriveKeyPair(parameters.Hex("Seed"), parameters.Hex("KeyInfo"), privateKey, default);
        Assert.Equal(parameters.Hex("skSm"), privateKey);

        byte[] input = vector.Hex("Input");
        byte[] blind = vector.Hex("Blind");
        byte[] blinded = new byte[32];
        OprfSuite.Blind(input, blind, blinded);
        Assert.Equal(vector.Hex("BlindedElement"), blinded);

        byte[] evaluated = new byte[32];
        OprfSuite.BlindEvaluate(privateKey, blinded, evaluated);
        Assert.Equal(vector.Hex("EvaluationElement"), evaluated);

        byte[] output = new byte[64];
        OprfSuite.Finalize(input, blind, evaluated, output);
        Assert.Equal(vector.Hex("Output"), output);
    }

    [Fact]
    public void Identity_element_is_rejected_although_libsodium_accepts_it()
    {
        Assert.False(Ristretto255.IsValidElement(new byte[32]));
    }

    [Fact]
    public void Non_canonical_element_encodings_are_rejected()
    {
        byte[] allOnes = Enumerable.Repeat((byte)0xff, 32).ToArray();
        Assert.False(Ristretto255.IsValidElement(allOnes));

        // A valid element with its sign bit (the top bit) set is not canonical.
        byte[] generator = new byte[32];
        Ristretto255.MultiplyBase([1, .. new byte[31]], generator);
        Assert.True(Ristretto255.IsValidElement(generator));
        generator[31] |= 0x80;
        Assert.False(Ristretto255.IsValidElement(generator));
    }

    [Fact]
    public void Scalars_at_or_above_the_group_order_and_zero_are_rejected()
    {
        // The group order L = 2^252 + 27742317777372353535851937790883648493, little-endian.
        byte[] order = Convert.FromHexString("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
        Assert.False(Ristretto255.IsValidScalar(order));
        Assert.False(Ristretto255.IsValidScalar(new byte[32]));
        order[0]--;
        Assert.True(Ristretto255.IsValidScalar(order));
    }

    [Fact]
    public void Multiplying_to_the_identity_is_an_error()
    {
        byte[] generator = new byte[32];
        Ristretto255.MultiplyBase([1, .. new byte[31]], generator);
        var error = Assert.Throws<OpaqueException>(() => Ristretto255.Multiply(new byte[32], generator, new byte[32]));
        Assert.Equal(OpaqueError.InvalidMessage, error.Error);
    }
}
