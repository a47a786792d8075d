using System.Text.Json;
using Lockbox.Opaque;
using Lockbox.Vault.Protocol;

namespace Lockbox.Vault.Server.Http;

/// <summary>Decoding of request fields, each failure a 400 with a clear code, before any state changes.</summary>
internal static class Wire
{
    /// <summary>Reads the JSON body.</summary>
    public static async Task<T> ReadAsync<T>(HttpRequest request)
        where T : class
    {
        try
        {
            return await request.ReadFromJsonAsync<T>(request.HttpContext.RequestAborted).ConfigureAwait(false)
                ?? throw VaultProblemException.BadRequest(VaultErrorCodes.MalformedJson, "The request body is empty.");
        }
        catch (JsonException)
        {
            throw VaultProblemException.BadRequest(VaultErrorCodes.MalformedJson, "The request body is not the expected JSON object.");
        }
        catch (InvalidOperationException)
        {
            throw new VaultProblemException(StatusCodes.Status415UnsupportedMediaType, VaultErrorCodes.NotJson, "The request body must be application/json.");
        }
    }

    /// <summary>Decodes standard base64 of exactly <paramref name="length"/> bytes.</summary>
    public static byte[] Bytes(string? value, int length, string field)
    {
        if (value is null)
        {
            throw VaultProblemException.BadRequest(VaultErrorCodes.MissingField, $"'{field}' is required.");
        }

        byte[] buffer = new byte[length + 3];
        if (!Convert.TryFromBase64String(value, buffer, out int written))
        {
            if (value.Length > ((length + 2) / 3 * 4) + 4)
            {
                throw VaultProblemException.BadRequest(VaultErrorCodes.WrongSize, $"'{field}' must be {length} bytes.");
            }

            throw VaultProblemException.BadRequest(VaultErrorCodes.BadBase64, $"'{field}' is not valid base64.");
        }

        if (written != length)
        {
            throw VaultProblemException.BadRequest(VaultErrorCodes.WrongSize, $"'{field}' must be {length} bytes, not {written}.");
        }

        return buffer[..length];
    }

    /// <summary>Parses an OPAQUE message, turning an invalid point or size into a 400.</summary>
    public static T Message<T>(string? value, int length, string field, Func<byte[], T> parse)
    {
        byte[] bytes = Bytes(value, length, field);
        try
        {
            return parse(bytes);
        }
        catch (OpaqueException)
        {
            throw VaultProblemException.BadRequest(VaultErrorCodes.InvalidMessage, $"'{field}' holds an invalid group element.");
        }
    }
}
