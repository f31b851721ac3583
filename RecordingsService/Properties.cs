using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Services.Tests")]
[assembly: InternalsVisibleTo("Gateway.Tests")]
