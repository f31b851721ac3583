using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Services.Tests")]
