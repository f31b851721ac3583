using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Demo;

/// <summary>
/// A recording's audio, made here: 8 kHz 16-bit mono PCM in a WAV file, a tune of soft tones chosen from the
/// recording's SID (so each recording sounds different, and a seek is heard). Nothing is downloaded.
/// </summary>
internal static class Tones
{
    private const int SampleRate = 8000;
    private static readonly double[] Scale = [261.63, 293.66, 329.63, 392.00, 440.00, 523.25, 587.33, 659.25];

    public static byte[] Wav(string sid, int seconds)
    {
        var seed = SHA256.HashData(Encoding.UTF8.GetBytes(sid));
        var samples = SampleRate * seconds;
        var wav = new byte[44 + (samples * 2)];
        var span = wav.AsSpan();
        Encoding.ASCII.GetBytes("RIFF").CopyTo(span);
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], wav.Length - 8);
        Encoding.ASCII.GetBytes("WAVEfmt ").CopyTo(span[8..]);
        BinaryPrimitives.WriteInt32LittleEndian(span[16..], 16); // PCM header size
        BinaryPrimitives.WriteInt16LittleEndian(span[20..], 1); // PCM
        BinaryPrimitives.WriteInt16LittleEndian(span[22..], 1); // mono
        BinaryPrimitives.WriteInt32LittleEndian(span[24..], SampleRate);
        BinaryPrimitives.WriteInt32LittleEndian(span[28..], SampleRate * 2); // bytes per second
        BinaryPrimitives.WriteInt16LittleEndian(span[32..], 2); // block align
        BinaryPrimitives.WriteInt16LittleEndian(span[34..], 16); // bits per sample
        Encoding.ASCII.GetBytes("data").CopyTo(span[36..]);
        BinaryPrimitives.WriteInt32LittleEndian(span[40..], samples * 2);

        // Half-second notes with a short fade in and out, a little quieter than full scale.
        const int note = SampleRate / 2;
        for (var i = 0; i < samples; i++)
        {
            var index = i / note;
            var frequency = Scale[seed[index % seed.Length] % Scale.Length];
            var within = i % note;
            var envelope = Math.Min(1.0, Math.Min(within, note - within) / 400.0);
            var value = Math.Sin(2 * Math.PI * frequency * i / SampleRate) * envelope * 0.25;
            BinaryPrimitives.WriteInt16LittleEndian(span[(44 + (i * 2))..], (short)(value * short.MaxValue));
        }

        return wav;
    }
}
