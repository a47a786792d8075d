using System.Text;

namespace Lockbox.StoreGen;

/// <summary>Chat-like message texts: mostly short, a long tail, some multi-line, some non-ASCII.</summary>
internal sealed class MessageText(Random random)
{
    private static readonly string[] Words =
    [
        "ok", "yes", "no", "haha", "lol", "thanks", "see", "you", "tomorrow", "tonight", "where", "are", "we",
        "meeting", "the", "a", "is", "it", "at", "on", "in", "for", "and", "but", "so", "just", "got", "home",
        "call", "me", "later", "love", "this", "that", "what", "time", "dinner", "train", "late", "sorry",
        "photo", "look", "nice", "great", "good", "morning", "night", "weekend", "plans", "kids", "school",
        "work", "meeting", "office", "coffee", "beer", "pizza", "birthday", "party", "happy", "send", "address",
        "link", "price", "tickets", "concert", "match", "score", "weather", "rain", "sun", "beach", "flight",
        "hotel", "booked", "done", "ready", "leaving", "now", "five", "minutes", "traffic", "parking", "car",
        // A sprinkling of non-ASCII: accents, Cyrillic, CJK, Arabic and emoji, as real chats have.
        "schön", "grüße", "mañana", "qué", "ça", "déjà", "привет", "спасибо", "你好", "谢谢", "ありがとう",
        "مرحبا", "😂", "❤️", "👍", "🎉", "🙏", "😊",
    ];

    public string? Next()
    {
        double u = random.NextDouble();
        int words = u switch
        {
            < 0.08 => 0, // media-only, call and system messages carry no text
            < 0.70 => random.Next(1, 6),
            < 0.93 => random.Next(6, 16),
            < 0.99 => random.Next(16, 50),
            _ => random.Next(50, 300),
        };
        if (words == 0)
        {
            return null;
        }
        bool multiLine = words > 8 && random.Next(100) < 25;
        var text = new StringBuilder(words * 7);
        for (int i = 0; i < words; i++)
        {
            if (i > 0)
            {
                text.Append(multiLine && random.Next(8) == 0 ? '\n' : ' ');
            }
            text.Append(Words[random.Next(Words.Length)]);
        }
        if (random.Next(4) == 0)
        {
            text.Append(random.Next(3) switch { 0 => '?', 1 => '!', _ => '.' });
        }
        return text.ToString();
    }
}
