using System.Text.Json;
using Sharpicorn.Cli;

namespace Sharpicorn.Configuration;

/// <summary>A setting whose value is a <typeparamref name="T"/>: conversion, validation, default and storage in one place.</summary>
internal abstract class Setting<T> : Setting
{
    public required T Default { get; init; }

    /// <summary>The default when it depends on the environment at startup; <see cref="Default"/> is then what the docs show.</summary>
    public Func<T>? DefaultFactory { get; init; }

    /// <summary>Reads the value from <see cref="ServerSettings"/>; null keeps it in <see cref="ServerSettings.Values"/>.</summary>
    public Func<ServerSettings, T>? Get { get; init; }

    /// <summary>Writes the value into <see cref="ServerSettings"/>; null keeps it in <see cref="ServerSettings.Values"/>.</summary>
    public Action<ServerSettings, T>? Set { get; init; }

    /// <summary>Validates (and may normalise) a converted value. Throws <see cref="SettingException"/>.</summary>
    public Func<T, T>? Validate { get; init; }

    /// <summary>Formats the value for --print-config, when Python's str() of the raw type is not what gunicorn prints.</summary>
    public Func<T, string>? Printer { get; init; }

    /// <summary>What --print-config shows, when it is not the stored value (gunicorn fills some settings in late).</summary>
    public Func<ServerSettings, string>? Show { get; init; }

    public T DefaultValue => DefaultFactory is null ? Default : DefaultFactory();

    public override string DefaultText => Format(Default);

    protected abstract T ConvertText(string? text);

    protected abstract T ConvertJson(JsonElement value);

    protected abstract string FormatValue(T value);

    protected virtual bool Same(T a, T b) => EqualityComparer<T>.Default.Equals(a, b);

    public string Format(T value) => Printer is null ? FormatValue(value) : Printer(value);

    public T Value(ServerSettings settings) =>
        Get is not null ? Get(settings) : settings.Values.TryGetValue(Name, out object? v) ? (T)v! : DefaultValue;

    public override object? FromText(string? text) => Checked(ConvertText(text));

    public override object? FromJson(JsonElement value) => Checked(ConvertJson(value));

    public override void Assign(ServerSettings settings, object? value)
    {
        if (Set is not null)
        {
            Set(settings, (T)value!);
        }
        else
        {
            settings.Values[Name] = value;
        }
    }

    public override bool IsDefault(ServerSettings settings) => Same(Value(settings), DefaultValue);

    public override string Print(ServerSettings settings) => Show is null ? Format(Value(settings)) : Show(settings);

    private T Checked(T value) => Validate is null ? value : Validate(value);
}
