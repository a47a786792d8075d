// Registers a password with an OPAQUE server and logs in with it, then shows that a wrong
// password fails. Client and server talk only through the wire encodings, as over a network.
using System.Diagnostics;
using System.Text;
using Lockbox.Opaque;
using Lockbox.Opaque.Ksf;
using Lockbox.Opaque.Messages;

byte[] password = Encoding.UTF8.GetBytes("correct horse battery staple");
byte[] credentialId = Encoding.UTF8.GetBytes("account-1/record-1");
IKeyStretching ksf = Argon2idKsf.Default;

using var setup = ServerSetup.Generate();
var server = new OpaqueServer(setup);
Console.WriteLine($"server public key      {Convert.ToHexStringLower(setup.PublicKey)}");

// Registration: the server sees a blinded password, then a record it cannot open.
using var registration = ClientRegistration.Start(password, out var request);
byte[] responseBytes = server.CreateRegistrationResponse(RegistrationRequest.Parse(request.ToArray()), credentialId).ToArray();
using var registered = registration.Finish(RegistrationResponse.Parse(responseBytes), ksf);
byte[] storedRecord = registered.Record.ToArray();
Console.WriteLine($"registered             record of {storedRecord.Length} bytes (Argon2id, 64 MiB, 3 passes)");

Console.WriteLine(Login(password) ? "right password         logged in, session keys agree, export key matches registration"
                                  : "right password         FAILED");
Console.WriteLine(Login(Encoding.UTF8.GetBytes("correct horse battery stapler"))
    ? "wrong password         logged in (this must not happen)"
    : "wrong password         refused");

bool Login(byte[] attempt)
{
    var timer = Stopwatch.StartNew();
    using var login = ClientLogin.Start(attempt, out var ke1);
    using var serverLogin = server.StartLogin(RegistrationRecord.Parse(storedRecord), KE1.Parse(ke1.ToArray()), credentialId, null, out var ke2);
    try
    {
        using var result = login.Finish(KE2.Parse(ke2.ToArray()), ksf);
        byte[] serverSessionKey = serverLogin.Finish(KE3.Parse(result.KE3.ToArray()));
        return serverSessionKey.AsSpan().SequenceEqual(result.SessionKey)
            && result.ExportKey.AsSpan().SequenceEqual(registered.ExportKey);
    }
    catch (OpaqueException e)
    {
        Console.WriteLine($"                       {e.Error}: {e.Message}");
        return false;
    }
    finally
    {
        Console.WriteLine($"                       login took {timer.ElapsedMilliseconds} ms");
    }
}
